import { isFailure, type FailureCode } from '../domain/Failure.ts';

/**
 * The same object, except that a `Failure` any of its methods throws or rejects with is
 * reported before it goes on. A proxy rather than a class per port, so a store keeps
 * being counted whatever methods its port gains.
 */
export function observeFailures<T extends object>(target: T, onFailure: (code: FailureCode) => void): T {
  const report = (error: unknown): never => {
    if (isFailure(error)) onFailure(error.code);
    throw error;
  };
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property, object);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(object, args);
          return result instanceof Promise ? result.catch(report) : result;
        } catch (error) {
          return report(error);
        }
      };
    },
  });
}
