export function hook_setter(proto, prop, notify) {
  const d = Object.getOwnPropertyDescriptor(proto, prop);
  if (!d || !d.set || !d.configurable) return null;
  Object.defineProperty(proto, prop, {
    configurable: true,
    enumerable: d.enumerable,
    get: d.get,
    set(v) {
      d.set.call(this, v);
      try { notify(this); } catch (e) { /* never break the page */ }
    },
  });
  return d;
}
export function restore_setter(proto, prop, d) {
  Object.defineProperty(proto, prop, d);
}
const closedHosts = new WeakSet();
export function hook_attach_shadow(proto, notify) {
  const original = proto.attachShadow;
  if (typeof original !== 'function') return null;
  proto.attachShadow = function (init) {
    const root = original.call(this, init);
    try {
      if (init && init.mode === 'closed') closedHosts.add(this);
      notify(this);
    } catch (e) { /* never break the page */ }
    return root;
  };
  return original;
}
export function restore_attach_shadow(proto, original) {
  proto.attachShadow = original;
}
export function hook_get_context(proto) {
  const original = proto.getContext;
  if (typeof original !== 'function') return null;
  proto.getContext = function (kind, attrs) {
    if (typeof kind === 'string' && kind.indexOf('webgl') >= 0) {
      attrs = Object.assign({}, attrs, { preserveDrawingBuffer: true });
    }
    return original.call(this, kind, attrs);
  };
  return original;
}
export function restore_get_context(proto, original) {
  proto.getContext = original;
}
export function shadow_of(el) {
  return el.shadowRoot || (closedHosts.has(el) ? false : null);
}
