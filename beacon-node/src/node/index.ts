export {BeaconNode, type BeaconNodeOpts, type SlotStatus} from "./beaconNode.ts";
export {DevValidators, type DevValidatorsOpts, type SlotDuties} from "./devValidators.ts";
export {ConsoleLogger, type LogLevel} from "./logger.ts";
