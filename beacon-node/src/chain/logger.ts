/** The structured logger the chain and node write to: the one `Logger` of `@ceibo/utils`, re-exported for chain's users. */
export {type Logger, silentLogger} from "@ceibo/utils";
