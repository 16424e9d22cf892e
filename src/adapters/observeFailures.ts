import { isFailure, type FailureCode } from '../domain/Failure.ts';

/** Reports each `Failure` a method throws or rejects with; a Proxy, so methods a port gains are counted too. */
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
