import {setHasher} from "@chainsafe/persistent-merkle-tree";
import {hasher as hashtreeHasher} from "@chainsafe/persistent-merkle-tree/hasher/hashtree";

// Merkleization uses the native SIMD batch hasher (@chainsafe/hashtree) instead of the library's pure-JS default.
// Imported first by this package's index so every tree in the process hashes with it.
setHasher(hashtreeHasher);
