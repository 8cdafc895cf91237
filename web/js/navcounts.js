// SPDX-License-Identifier: MIT
// Counts on the navigation tabs (cases waiting in each queue of the user's
// role, and the unread notices of the roles that receive 催办 and 督办),
// refreshed with the screens' polling so the command centre sees new work
// arrive without reloading.
import { get } from './api.js';

const OPEN_DEPT = 'dispatched,processing,suspended';
// Per role: tab name -> [status list, optional client-side filter].
const COUNTED = {
  supervisor: {
    intake: ['reported'],
    approvals: [OPEN_DEPT, (c) => c.pending !== 'none' || c.state === 'suspended'],
    closing: ['checked'],
  },
  department: { inbox: [OPEN_DEPT] },
  inspector: { tasks: ['verifying,handled'] },
};

// Roles whose tab 'notices' counts the unread messages of /inbox.
const NOTICE_ROLES = new Set(['department', 'leader']);

/**
 * Fetches the counts for role and writes them into the nav links
 * (a[data-screen]) under nav. Failures leave the tabs without counts.
 */
export async function updateNavCounts(nav, role) {
  const wanted = Object.entries(COUNTED[role] || {}).map(([screen, [status, keep]]) => [screen, async () => {
    const data = await get(`/api/v1/cases?status=${status}&limit=100`);
    const items = keep ? (data.items || []).filter(keep) : (data.items || []);
    return items.length ? `${items.length}${data.next_cursor && !keep ? '+' : ''}` : '';
  }]);
  if (NOTICE_ROLES.has(role)) {
    wanted.push(['notices', async () => {
      const data = await get('/api/v1/inbox?unread=1&limit=100');
      const n = (data.items || []).length;
      return n ? `${n}${data.next_cursor ? '+' : ''}` : '';
    }]);
  }
  await Promise.all(wanted.map(async ([screen, count]) => {
    let text = '';
    try {
      text = await count();
    } catch {
      return;
    }
    setCount(nav, screen, text);
  }));
}

/** Shows text as the count on nav's tab for screen (none when text is empty). */
export function setCount(nav, screen, text) {
  const link = nav.querySelector(`a[data-screen="${screen}"]`);
  if (!link) return;
  let badge = link.querySelector('.count');
  if (!text) {
    if (badge) badge.remove();
    return;
  }
  if (!badge) {
    badge = document.createElement('span');
    badge.className = 'count';
    link.append(badge);
  }
  badge.textContent = text;
}
