export {
  bytesEqual,
  bytesEqualConstantTime,
  concatBytes,
  type FromHexOptions,
  fromHex,
  isZeroBytes,
  toHex,
  toHexUnprefixed,
} from "./bytes.ts";
export {CeiboError} from "./errors.ts";
export {Fifo} from "./fifo.ts";
export {type Logger, silentLogger} from "./logger.ts";
export {setBounded} from "./map.ts";
export {sleep} from "./sleep.ts";
