export {BeaconNode, type BeaconNodeOpts, type SlotStatus} from "./beaconNode.ts";
export {ConsoleLogger, type LogLevel} from "./logger.ts";
