export {type DiscoveredPeer, Discovery, type DiscoveryOpts} from "./discovery/discv5.ts";
export {
  computeEnrForkId,
  computeNextForkDigest,
  decodeEnrTxt,
  ENR_KEY,
  type ENRForkID,
  type Eth2EnrFields,
  readEth2Fields,
} from "./discovery/enr.ts";
export {GossipHandler} from "./gossip/index.ts";
export {
  createLibp2pHost,
  type Libp2pHost,
  type Libp2pHostOpts,
  loadOrCreatePeerKey,
  peerKeyPath,
} from "./libp2p.ts";
export {
  Network,
  type NetworkIdentity,
  type NetworkModules,
  type NetworkOpts,
  nodeIdOfPeerKey,
  peerIdToNodeId,
} from "./network.ts";
export {defaultNetworkOptions} from "./options.ts";
export {type PeerInfo, PeerManager, type PeerManagerOpts} from "./peers/peerManager.ts";
export {PeerScoreStore} from "./peers/score.ts";
export {computeSubscribedSubnets, SubnetSubscriptions} from "./peers/subnets.ts";
export {ReqResp, type ReqRespHandlers} from "./reqresp/index.ts";
export * from "./types.ts";
