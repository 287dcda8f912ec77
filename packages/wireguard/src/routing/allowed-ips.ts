// Cryptokey routing table (WIREGUARD.md §8.1): prefix -> owning peer, one
// path-compressed binary trie per address family, longest-prefix match.
//
// Exactly one owner per prefix: inserting an existing prefix moves it (and to
// the end of the new owner's list, as the kernel and wireguard-go do). Each
// owner's prefixes are kept in insertion order because UAPI `get` lists them
// that way. Lookups walk at most one node per distinct prefix length on the
// path and allocate nothing: they run for every packet in both directions.
import { maskAddress, type IpFamily, type Prefix } from "../net/address.js";

interface TrieNode<T> {
  /** Prefix bits with host bits cleared; 4 or 16 bytes. */
  readonly bytes: Uint8Array;
  readonly cidr: number;
  /** undefined for the branching nodes path compression creates. */
  owner: T | undefined;
  /** Split on the bit right after this node's prefix (bit index `cidr`). */
  readonly children: [TrieNode<T> | null, TrieNode<T> | null];
}

function bitAt(bytes: Uint8Array, index: number): 0 | 1 {
  return (((bytes[index >> 3] ?? 0) >> (7 - (index & 7))) & 1) as 0 | 1;
}

/** Number of leading bits a and b share, at most `limit`. */
function commonBits(a: Uint8Array, b: Uint8Array, limit: number): number {
  for (let i = 0; i * 8 < limit; i++) {
    const diff = ((a[i] ?? 0) ^ (b[i] ?? 0)) & 0xff;
    if (diff !== 0) return Math.min(limit, i * 8 + Math.clz32(diff) - 24);
  }
  return limit;
}

/** Whether `address` lies inside the node's prefix, given its first `fromByte` bytes are known to match. */
function contains(node: TrieNode<unknown>, address: Uint8Array, fromByte: number): boolean {
  const full = node.cidr >> 3;
  const { bytes } = node;
  for (let i = fromByte; i < full; i++) if (bytes[i] !== address[i]) return false;
  const rest = node.cidr & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((address[full] ?? 0) & mask) === bytes[full];
}

function newNode<T>(bytes: Uint8Array, cidr: number, owner: T | undefined): TrieNode<T> {
  return { bytes, cidr, owner, children: [null, null] };
}

class Trie<T> {
  root: TrieNode<T> | null = null;

  constructor(readonly bits: number) {}

  lookup(address: Uint8Array): T | undefined {
    // Descend on the branch bits alone and compare the skipped bits only at
    // nodes that carry an owner: every prefix containing the address lies on
    // this path, and once an owned prefix does not contain it no deeper one
    // can. Each comparison resumes where the previous one left off, because a
    // deeper prefix extends the shallower one.
    let best: T | undefined;
    let matchedBytes = 0;
    let node = this.root;
    while (node !== null) {
      if (node.owner !== undefined) {
        if (!contains(node, address, matchedBytes)) break;
        best = node.owner;
        matchedBytes = node.cidr >> 3;
      }
      if (node.cidr === this.bits) break;
      node = node.children[bitAt(address, node.cidr)];
    }
    return best;
  }

  /** Sets the owner of the exact prefix, creating it; returns the node and its previous owner. */
  insert(key: Uint8Array, cidr: number, owner: T): { node: TrieNode<T>; previous: T | undefined } {
    let parent: TrieNode<T> | null = null;
    let node = this.root;
    const place = (n: TrieNode<T>): void => {
      if (parent === null) this.root = n;
      else parent.children[bitAt(n.bytes, parent.cidr)] = n;
    };
    while (true) {
      if (node === null) {
        const fresh = newNode(key, cidr, owner);
        place(fresh);
        return { node: fresh, previous: undefined };
      }
      const common = commonBits(node.bytes, key, Math.min(node.cidr, cidr));
      if (common === node.cidr) {
        if (node.cidr === cidr) {
          const previous = node.owner;
          node.owner = owner;
          return { node, previous };
        }
        parent = node;
        node = node.children[bitAt(key, node.cidr)] ?? null;
        continue;
      }
      const fresh = newNode(key, cidr, owner);
      if (common === cidr) {
        // The new prefix contains this node: it becomes the node's parent.
        fresh.children[bitAt(node.bytes, cidr)] = node;
        place(fresh);
      } else {
        // The two diverge below both: a branching node takes the shared bits.
        const branch = newNode<T>(maskAddress(key, common), common, undefined);
        branch.children[bitAt(key, common)] = fresh;
        branch.children[bitAt(node.bytes, common)] = node;
        place(branch);
      }
      return { node: fresh, previous: undefined };
    }
  }

  /** Clears the owner of the exact prefix and prunes nodes that no longer carry anything. */
  remove(key: Uint8Array, cidr: number): void {
    const path: TrieNode<T>[] = [];
    let node = this.root;
    while (node !== null && node.cidr <= cidr && commonBits(node.bytes, key, node.cidr) === node.cidr) {
      path.push(node);
      if (node.cidr === cidr) break;
      node = node.children[bitAt(key, node.cidr)];
    }
    const target = path[path.length - 1];
    if (target === undefined || target.cidr !== cidr) return;
    target.owner = undefined;
    for (let k = path.length - 1; k >= 0; k--) {
      const n = path[k] as TrieNode<T>;
      const [left, right] = n.children;
      if (n.owner !== undefined || (left !== null && right !== null)) return;
      const replacement = left ?? right;
      const parent = path[k - 1];
      if (parent === undefined) this.root = replacement;
      else parent.children[bitAt(n.bytes, parent.cidr)] = replacement;
      // A node that lost only one of two children still branches: stop there.
      if (replacement !== null) return;
    }
  }
}

export class AllowedIps<T> {
  private readonly v4 = new Trie<T>(32);
  private readonly v6 = new Trie<T>(128);
  /** Per owner, its prefixes' trie nodes in insertion order. */
  private readonly byOwner = new Map<T, TrieNode<T>[]>();

  /** Host bits are masked; an existing identical prefix moves to `owner`. */
  insert(prefix: Prefix, owner: T): void {
    const trie = this.trie(prefix.family);
    if (!Number.isInteger(prefix.cidr) || prefix.cidr < 0 || prefix.cidr > trie.bits || prefix.bytes.length * 8 !== trie.bits) {
      throw new RangeError(`invalid prefix: ${prefix.bytes.length} bytes /${prefix.cidr} for IPv${prefix.family}`);
    }
    const { node, previous } = trie.insert(maskAddress(prefix.bytes, prefix.cidr), prefix.cidr, owner);
    if (previous !== undefined) this.forget(previous, node);
    const list = this.byOwner.get(owner);
    if (list === undefined) this.byOwner.set(owner, [node]);
    else list.push(node);
  }

  /** Longest-prefix match on a 4- or 16-byte address; undefined when nothing covers it. */
  lookup(address: Uint8Array): T | undefined {
    if (address.length === 4) return this.v4.lookup(address);
    if (address.length === 16) return this.v6.lookup(address);
    return undefined;
  }

  removeByOwner(owner: T): void {
    const nodes = this.byOwner.get(owner);
    if (nodes === undefined) return;
    this.byOwner.delete(owner);
    for (const node of nodes) this.trieForBytes(node.bytes).remove(node.bytes, node.cidr);
  }

  /** Removes the prefix only if `owner` owns it (UAPI `allowed_ip=-…`); true when removed. */
  removeExact(prefix: Prefix, owner: T): boolean {
    const nodes = this.byOwner.get(owner);
    if (nodes === undefined) return false;
    const masked = maskAddress(prefix.bytes, prefix.cidr);
    const node = nodes.find((n) => n.cidr === prefix.cidr && n.bytes.length === masked.length && commonBits(n.bytes, masked, n.cidr) === n.cidr);
    if (node === undefined) return false;
    this.forget(owner, node);
    this.trieForBytes(node.bytes).remove(node.bytes, node.cidr);
    return true;
  }

  /** The owner's prefixes, host bits cleared, in insertion order. */
  prefixesOf(owner: T): Prefix[] {
    const nodes = this.byOwner.get(owner) ?? [];
    return nodes.map((n) => ({ family: n.bytes.length === 4 ? 4 : 6, bytes: Uint8Array.from(n.bytes), cidr: n.cidr }));
  }

  clear(): void {
    this.v4.root = null;
    this.v6.root = null;
    this.byOwner.clear();
  }

  private forget(owner: T, node: TrieNode<T>): void {
    const list = this.byOwner.get(owner);
    if (list === undefined) return;
    const i = list.indexOf(node);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.byOwner.delete(owner);
  }

  private trie(family: IpFamily): Trie<T> {
    return family === 4 ? this.v4 : this.v6;
  }

  private trieForBytes(bytes: Uint8Array): Trie<T> {
    return bytes.length === 4 ? this.v4 : this.v6;
  }
}
