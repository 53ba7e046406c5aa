/**
 * The stream muxers of the libp2p host, configured so that a peer that dials us keeps a working connection (issue
 * 14: "a connection dialed by the other side sometimes never exchanges gossipsub subscriptions, so no mesh forms
 * over it"). Three defects of the libp2p 3 muxers (@chainsafe/libp2p-yamux 8, @libp2p/mplex 12) caused it:
 *
 * 1. Early streams: the muxer of an inbound connection exists a little before libp2p attaches its stream listener;
 *    streams the remote opens meanwhile are queued, and the 11th (`maxEarlyStreams` default 10) aborts the muxer
 *    ("Too many early streams were opened - 11/10"). A dialer opens identify, gossipsub, Status, MetaData, Ping
 *    and its first sync requests at once, so on a busy node this happened on inbound connections only — yamux and
 *    mplex alike. Here the queue holds `MAX_EARLY_STREAMS`.
 * 2. mplex applies its `disconnectThreshold` (default 5) to EVERY stream the remote opens (and to every frame for a
 *    stream already closed), not only to streams above the inbound limit as documented: the 6th stream within a
 *    second aborts the muxer. Peers that speak only mplex (Lodestar ≤ 1.22) open more than that right after
 *    dialing us. Here the threshold is `MPLEX_DISCONNECT_THRESHOLD` per second; our req/resp rate limiter and
 *    libp2p's per-protocol stream limits bound abuse.
 * 3. An aborted muxer leaves its TCP connection open: libp2p still lists the connection, every stream on it
 *    (gossipsub's included) is reset, the remote's new streams time out, and gossipsub never opens its stream
 *    again because for libp2p the peer never disconnected. Here a muxer that aborts closes its connection, so the
 *    peer is seen as disconnected and can reconnect.
 */
import {yamux} from "@chainsafe/libp2p-yamux";
import type {StreamMuxerFactory} from "@libp2p/interface";
import {mplex} from "@libp2p/mplex";

/** Streams a remote may open before libp2p finished setting up the connection on our side. */
export const MAX_EARLY_STREAMS = 256;
/** New streams (and frames for closed streams) per second a peer may send before mplex drops the connection. */
export const MPLEX_DISCONNECT_THRESHOLD = 512;

type MuxerFactoryFn = (components: unknown) => StreamMuxerFactory;

/** Wraps a muxer factory so that a muxer that aborts also aborts its connection (defect 3). */
function closeConnectionOnAbort(create: MuxerFactoryFn): MuxerFactoryFn {
  return (components) => {
    const factory = create(components);
    const createStreamMuxer = factory.createStreamMuxer.bind(factory);
    factory.createStreamMuxer = (maConn) => {
      const muxer = createStreamMuxer(maConn);
      const abort = muxer.abort.bind(muxer);
      muxer.abort = (err: Error) => {
        abort(err);
        if (maConn.status === "open") maConn.abort(err);
      };
      return muxer;
    };
    return factory;
  };
}

/** `/yamux/1.0.0` (preferred). */
export function eth2Yamux(): MuxerFactoryFn {
  return closeConnectionOnAbort(yamux({maxEarlyStreams: MAX_EARLY_STREAMS}) as MuxerFactoryFn);
}

/** `/mplex/6.7.0`, kept for peers that do not speak yamux. */
export function eth2Mplex(): MuxerFactoryFn {
  // maxEarlyStreams is read by the muxer base class; MplexInit does not declare it
  const init = {disconnectThreshold: MPLEX_DISCONNECT_THRESHOLD, maxEarlyStreams: MAX_EARLY_STREAMS};
  return closeConnectionOnAbort(mplex(init) as MuxerFactoryFn);
}
