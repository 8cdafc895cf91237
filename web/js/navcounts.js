// SPDX-License-Identifier: MIT
// Counts on the navigation tabs (cases waiting in each queue of the user's
// role), refreshed with the screens' polling so the command centre sees new
// work arrive without reloading.
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

/**
 * Fetches the counts for role and writes them into the nav links
 * (a[data-screen]) under nav. Failures leave the tabs without counts.
 */
export async function updateNavCounts(nav, role) {
  const wanted = COUNTED[role];
  if (!wanted) return;
  await Promise.all(Object.entries(wanted).map(async ([screen, [status, keep]]) => {
    let text = '';
    try {
      const data = await get(`/api/v1/cases?status=${status}&limit=100`);
      const items = keep ? (data.items || []).filter(keep) : (data.items || []);
      text = items.length ? `${items.length}${data.next_cursor && !keep ? '+' : ''}` : '';
    } catch {
      return;
    }
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
  }));
}
