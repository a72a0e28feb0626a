export function scroll_search(doc) {
  return { walk: doc.createTreeWalker(doc, NodeFilter.SHOW_ELEMENT), found: [] };
}
export function scroll_search_step(search, deadline) {
  const walk = search.walk;
  let n = 0;
  for (let el = walk.nextNode(); el; el = walk.nextNode()) {
    if (el.scrollTop !== 0 || el.scrollLeft !== 0) search.found.push(el);
    if (++n % 512 === 0 && Date.now() >= deadline) return false;
  }
  return true;
}
export function scroll_search_found(search) {
  return search.found;
}
