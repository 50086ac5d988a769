import { createHash } from 'node:crypto';

/**
 * Which replica owns a workload, by rendezvous (highest-random-weight) hashing: every member scores the key
 * `namespace/name` with a hash of (member, key) and the highest score owns it. Every replica computes the same
 * owner from the same member list, with no coordination; a member that leaves hands each of its keys to the
 * member that scored second for it, and one that joins takes from each member only the keys it now scores highest
 * on, so nothing else moves (about 1/N of the keys move per change, the least any assignment can). Members are the
 * replicas' pod names, stable across restarts, so a restarted replica gets its share back (and, with it, the
 * models saved on its own volume).
 */
export function shardOwner(key: string, members: readonly string[]): string | null {
  let owner: string | null = null;
  let best = -1;
  for (const member of members) {
    const score = rendezvousScore(member, key);
    // Ties (of 48-bit scores: practically never) go to the smaller name, so every replica agrees.
    if (score > best || (score === best && owner !== null && member < owner)) {
      owner = member;
      best = score;
    }
  }
  return owner;
}

/** A member's weight for a key: 48 bits of SHA-256 (well mixed for similar names, exact as a JS number). */
function rendezvousScore(member: string, key: string): number {
  return createHash('sha256').update(member).update('\0').update(key).digest().readUIntBE(0, 6);
}
