/** Forks in activation order. Branch on ForkSeq (`fork >= ForkSeq.electra`), name things with ForkName. */
export const ForkName = {
  phase0: "phase0",
  altair: "altair",
  bellatrix: "bellatrix",
  capella: "capella",
  deneb: "deneb",
  electra: "electra",
  fulu: "fulu",
} as const;
export type ForkName = (typeof ForkName)[keyof typeof ForkName];

export const ForkSeq = {
  phase0: 0,
  altair: 1,
  bellatrix: 2,
  capella: 3,
  deneb: 4,
  electra: 5,
  fulu: 6,
} as const satisfies Record<ForkName, number>;
export type ForkSeq = (typeof ForkSeq)[ForkName];

export const FORK_NAMES: readonly ForkName[] = Object.keys(ForkSeq) as ForkName[];

export function isForkName(name: string): name is ForkName {
  return Object.hasOwn(ForkSeq, name);
}

export function forkSeq(fork: ForkName): number {
  return ForkSeq[fork];
}

/** Fork groups: forks that carry a feature. */
export type ForkPostAltair = Exclude<ForkName, "phase0">;
export type ForkPostBellatrix = Exclude<ForkPostAltair, "altair">;
export type ForkPostCapella = Exclude<ForkPostBellatrix, "bellatrix">;
export type ForkPostDeneb = Exclude<ForkPostCapella, "capella">;
export type ForkPostElectra = Exclude<ForkPostDeneb, "deneb">;
export type ForkPostFulu = Exclude<ForkPostElectra, "electra">;

export function isForkPostAltair(fork: ForkName): fork is ForkPostAltair {
  return ForkSeq[fork] >= ForkSeq.altair;
}
export function isForkPostBellatrix(fork: ForkName): fork is ForkPostBellatrix {
  return ForkSeq[fork] >= ForkSeq.bellatrix;
}
export function isForkPostCapella(fork: ForkName): fork is ForkPostCapella {
  return ForkSeq[fork] >= ForkSeq.capella;
}
export function isForkPostDeneb(fork: ForkName): fork is ForkPostDeneb {
  return ForkSeq[fork] >= ForkSeq.deneb;
}
export function isForkPostElectra(fork: ForkName): fork is ForkPostElectra {
  return ForkSeq[fork] >= ForkSeq.electra;
}
export function isForkPostFulu(fork: ForkName): fork is ForkPostFulu {
  return ForkSeq[fork] >= ForkSeq.fulu;
}
