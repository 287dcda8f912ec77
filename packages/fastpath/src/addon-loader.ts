// What plug's two addons (this package's and @plug/tun's) share on the JS side:
// loading the compiled addon lazily, so that importing a package for its types
// never needs it, with an error that says how to build it; and the shape of
// the errno errors both throw (native/errno-error.c).
import { createRequire } from "node:module";

/** The native Error shape: code is the errno name ("EBUSY"), errno the number. */
export interface NativeError extends Error {
  readonly code: string;
  readonly errno: number;
}

export function isNativeError(err: unknown): err is NativeError {
  return err instanceof Error && typeof (err as Partial<NativeError>).code === "string";
}

/**
 * Loads `<package>/build/Release/<target>.node`; `from` is the loading module's
 * import.meta.url in the package's src/ or dist/ (the same relative path from
 * both). `fail` builds the package's own error type from a message.
 */
export function loadAddon<T>(from: string, target: string, packageName: string, packageDir: string, fail: (message: string) => Error): T {
  const require = createRequire(from);
  try {
    return require(`../build/Release/${target}.node`) as T;
  } catch (err) {
    throw fail(
      `the ${packageName} native addon is not built (${(err as Error).message}); run "npm ci" at the repo root or "npx node-gyp rebuild -C ${packageDir}"`,
    );
  }
}
