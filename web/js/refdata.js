// SPDX-License-Identifier: MIT
// Reference data fetched once per page and shared by the screens: the category
// trees (flattened into subclasses), departments and streets.
import { get } from './api.js';
import { localName, t } from './i18n.js';
import { h } from './dom.js';

const cache = new Map();

function once(key, load) {
  if (!cache.has(key)) cache.set(key, load().catch((err) => { cache.delete(key); throw err; }));
  return cache.get(key);
}

/** Forgets cached data (after an admin edit). */
export function invalidate(key) {
  cache.delete(key);
}

/** The category trees as served by /categories. */
export function categoryTrees() {
  return once('categories', () => get('/api/v1/categories').then((d) => d.trees || []));
}

/** Every subclass, each with .treeName and .major added, in tree order. */
export async function subclasses() {
  const trees = await categoryTrees();
  const out = [];
  for (const tree of trees) {
    for (const major of tree.majors || []) {
      for (const sub of major.subclasses || []) out.push({ ...sub, tree: tree.tree, treeItem: tree, major });
    }
  }
  return out;
}

/** The departments (org units of type department). */
export function departments() {
  return once('departments', () => get('/api/v1/org-units?type=department').then((d) => d.items || []));
}

/** The streets (org units of type street). */
export function streets() {
  return once('streets', () => get('/api/v1/org-units?type=street').then((d) => d.items || []));
}

/**
 * A <select> of every subclass grouped by tree and major class, with an empty
 * first option (text emptyKey). selected: an id to preselect.
 */
export async function categorySelect({ selected = null, emptyKey = 'category.choose', activeOnly = true } = {}) {
  const trees = await categoryTrees();
  const select = h('select', { name: 'category_id' }, h('option', { value: '' }, t(emptyKey)));
  for (const tree of trees) {
    for (const major of tree.majors || []) {
      const group = h('optgroup', { label: `${localName(tree)} · ${major.code} ${localName(major)}` });
      for (const sub of major.subclasses || []) {
        if (activeOnly && sub.active === false && sub.id !== selected) continue;
        group.append(h('option', { value: String(sub.id), selected: sub.id === selected }, `${sub.code} ${localName(sub)}`));
      }
      if (group.children.length) select.append(group);
    }
  }
  return select;
}

/** A <select> of departments (a disabled one only when it is selected); preselects selected (an id). */
export async function departmentSelect({ selected = null, emptyKey = 'department.choose' } = {}) {
  const list = (await departments()).filter((d) => !d.disabled || d.id === selected);
  return h('select', { name: 'department_id' }, h('option', { value: '' }, t(emptyKey)),
    list.map((d) => h('option', { value: String(d.id), selected: d.id === selected }, localName(d))));
}

/** The department whose kind matches the category's default department kind, or null. */
export async function defaultDepartmentFor(categoryId) {
  if (!categoryId) return null;
  const [subs, deps] = await Promise.all([subclasses(), departments()]);
  const sub = subs.find((s) => s.id === categoryId);
  if (!sub || !sub.default_department_kind) return null;
  return deps.find((d) => d.department_kind === sub.default_department_kind && !d.disabled) || null;
}
