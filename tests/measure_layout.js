// Run in a built page after MathJax has typeset it: what does not fit, at this width?
// Returns {math, tables, images}, one record per visible formula, table and image.
() => {
  // Unfold everything that starts folded (solutions, hidden cells), to measure it too.
  for (const details of document.querySelectorAll("details")) details.open = true;
  for (const hidden of document.querySelectorAll(".toggle-hidden")) {
    hidden.classList.remove("toggle-hidden");
  }
  const SLACK = 1; // px of rounding

  // The innermost box that hides part of `element` from a reader: an ancestor that cuts
  // its overflow off, or one that scrolls when `scrolling` is false. A scroll box only
  // shows what lies right of its left edge, so content left of it is hidden either way;
  // past a scroll box, the scroll box itself must be visible. The page itself may scroll
  // only when `scrolling` is true. null when the reader sees all of it.
  function hiddenBy(element, scrolling) {
    const own = element.getBoundingClientRect();
    let left = own.left;
    let right = own.right;
    for (let box = element.parentElement; box && box !== document.documentElement;
         box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === "visible") continue;
      const rect = box.getBoundingClientRect();
      const innerLeft = rect.left + box.clientLeft;
      const innerRight = innerLeft + box.clientWidth;
      const scrolls = overflow === "auto" || overflow === "scroll";
      if (left < innerLeft - SLACK) return box;
      if (right > innerRight + SLACK && !(scrolls && scrolling)) return box;
      if (scrolls) {
        left = rect.left;
        right = rect.right;
      }
    }
    if (!scrolling && right > document.documentElement.clientWidth + SLACK) {
      return document.documentElement;
    }
    return null;
  }

  function name(element) {
    if (!element) return null;
    const classes = typeof element.className === "string" && element.className.trim()
      ? "." + element.className.trim().split(/\s+/).join(".") : "";
    return element.tagName.toLowerCase() + (element.id ? "#" + element.id : "") + classes;
  }

  function overlap(a, b) {
    const r = a.getBoundingClientRect();
    const s = b.getBoundingClientRect();
    return r.left < s.right - SLACK && s.left < r.right - SLACK &&
      r.top < s.bottom - SLACK && s.top < r.bottom - SLACK;
  }

  // The title of the innermost section that holds `element`.
  function section(element) {
    for (let s = element.closest("section"); s; s = s.parentElement.closest("section")) {
      const heading = s.querySelector(":scope > h1, :scope > h2, :scope > h3, :scope > h4");
      if (heading) return heading.textContent.replace(/#$/, "").trim();
    }
    return "";
  }

  const visible = (element) => element.getBoundingClientRect().width > 0;
  const math = [];
  for (const container of document.querySelectorAll("mjx-container")) {
    const formula = container.querySelector(":scope > mjx-math");
    if (!formula || !visible(formula)) continue;
    const holder = container.closest("div.math");
    const number = holder ? holder.querySelector(":scope > span.eqno") : null;
    math.push({
      display: container.getAttribute("display") === "true",
      width: Math.round(formula.getBoundingClientRect().width),
      label: holder && holder.id ? holder.id : "",
      section: section(container),
      text: container.textContent.replace(/\s+/g, " ").trim().slice(0, 70),
      clipped: name(hiddenBy(formula, true)),
      needsScrolling: name(hiddenBy(formula, false)),
      numberOverlaps: Boolean(number && visible(number) && overlap(number, container)),
    });
  }
  const tables = [];
  for (const table of document.querySelectorAll("article table")) {
    if (!visible(table)) continue;
    tables.push({
      width: Math.round(table.getBoundingClientRect().width),
      section: section(table),
      text: table.textContent.replace(/\s+/g, " ").trim().slice(0, 70),
      clipped: name(hiddenBy(table, true)),
      needsScrolling: name(hiddenBy(table, false)),
    });
  }
  const images = [];
  for (const image of document.querySelectorAll("article img")) {
    if (!visible(image) || !image.naturalWidth) continue;
    images.push({
      figure: (image.closest("figure") || {}).id || "",
      section: section(image),
      natural: image.naturalWidth,
      shown: Math.round(image.getBoundingClientRect().width),
    });
  }
  return {math, tables, images};
}
