// SPDX-License-Identifier: MIT
// Building DOM nodes without markup strings: h() makes an element from a tag,
// attributes and children (strings become text nodes), so user text is always
// text. Small helpers for clearing, toggling and debouncing.

/**
 * Makes an element. attrs: class, text (textContent), for, dataset (object),
 * style (object), on<event> (listener), boolean attributes as true/false, any
 * other attribute as a string. children: nodes, strings, numbers, arrays, or
 * null/false (skipped). Returns the element (owned by the caller).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'for') el.htmlFor = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked' || key === 'selected' || key === 'disabled' || key === 'multiple' || key === 'required') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (see h) to el. */
export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Removes every child of el. */
export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Returns fn delayed until ms have passed without another call. */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

let idCounter = 0;
/** A fresh element id with the given prefix. */
export function uid(prefix = 'f') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}
