export * from "./attestationsRewards.ts";
export * from "./blockRewardsSink.ts";
