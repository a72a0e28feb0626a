export function hook_method(proto, name, notify) {
  const original = proto[name];
  if (typeof original !== 'function') return null;
  proto[name] = function (...args) {
    const result = original.apply(this, args);
    try { notify(this); } catch (e) { /* never break the page */ }
    // `replace` is asynchronous: the rules change when its promise settles.
    if (result && typeof result.then === 'function') {
      result.then(() => { try { notify(this); } catch (e) { /* as above */ } }, () => {});
    }
    return result;
  };
  return original;
}
export function restore_method(proto, name, original) {
  proto[name] = original;
}
