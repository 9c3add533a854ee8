// gregor web view: polls /api/cluster (and refreshes at once on every timeline event), streams the
// controller/state-change timeline from /api/events (Server-Sent Events), and browses ZooKeeper via
// /api/zk. Plain browser JavaScript, no build step, no network access beyond this broker.
'use strict';

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const time = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 23) : '?');
const list = (xs) => (xs === null || xs === undefined ? '–' : xs.join(','));

let refreshTimer = null;
let refreshing = false;

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const res = await fetch('api/cluster', { cache: 'no-store' });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    render(await res.json());
    $('#status').textContent = `updated ${new Date().toLocaleTimeString()}`;
    $('#status').className = 'status live';
  } catch (err) {
    $('#status').textContent = `cannot reach this broker: ${err.message}`;
    $('#status').className = 'status down';
  } finally {
    refreshing = false;
  }
}

function scheduleRefresh(ms) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    await refresh();
    scheduleRefresh(2000);
  }, ms);
}

function render(view) {
  const zk = view.zk;
  $('#self').textContent = view.brokerId;
  const c = zk.controller;
  $('#controller-summary').textContent =
    c.brokerId >= 0 ? `controller: broker ${c.brokerId}, controller epoch ${c.epoch}` : 'no controller elected';
  $('#controller-summary').dataset.controller = String(c.brokerId);
  $('#controller-summary').dataset.epoch = String(c.epoch);

  $('#brokers tbody').innerHTML = zk.brokers
    .map(
      (b) => `<tr data-broker="${b.id}"><td>${b.id}${b.id === view.brokerId ? ' <span class="muted">(this)</span>' : ''}</td>
        <td>${b.id === c.brokerId ? '<span class="badge controller">controller</span>' : 'broker'}</td>
        <td>${esc(b.endpoints.join(', '))}</td><td>${b.epoch}</td><td>${time(b.registeredAt)}</td></tr>`,
    )
    .join('');

  const live = new Set(zk.brokers.map((b) => b.id));
  const pending = [];
  if (zk.topicsPendingDeletion.length) pending.push(`deleting ${zk.topicsPendingDeletion.join(', ')}`);
  if (zk.reassignmentInProgress) pending.push('reassignment in progress');
  if (zk.preferredElectionInProgress) pending.push('preferred election in progress');
  $('#pending').textContent = pending.join(' · ');
  $('#topics').innerHTML = zk.topics
    .map((t) => {
      const rows = t.partitions
        .map((p) => {
          const offline = p.leader === null || p.leader < 0 || !live.has(p.leader);
          const under = !offline && p.isr !== null && p.isr.length < p.replicas.length;
          const cls = offline ? 'offline' : under ? 'under' : 'ok';
          const state = offline ? 'offline' : under ? 'under-replicated' : 'online';
          const moving = p.addingReplicas.length || p.removingReplicas.length ? ` adding ${list(p.addingReplicas)} removing ${list(p.removingReplicas)}` : '';
          return `<tr class="${cls}" data-partition="${esc(t.topic)}-${p.partition}" data-leader="${p.leader}" data-state="${state}">
            <td>${p.partition}</td><td>${offline ? 'none' : p.leader}</td><td>${p.leaderEpoch ?? '–'}</td>
            <td>${list(p.isr)}</td><td>${list(p.replicas)}${moving}</td><td>${state}</td><td class="muted">${p.zkVersion ?? '–'}</td></tr>`;
        })
        .join('');
      const cfg = Object.entries(t.config).map(([k, v]) => `${k}=${v}`).join(', ');
      return `<div class="topic" data-topic="${esc(t.topic)}"><h3>${esc(t.topic)} <span class="muted">${t.partitions.length} partitions${cfg ? ` · ${esc(cfg)}` : ''}</span></h3>
        <table><thead><tr><th>partition</th><th>leader</th><th>leader epoch</th><th>isr</th><th>replicas</th><th>state</th><th>zkVersion</th></tr></thead><tbody>${rows}</tbody></table></div>`;
    })
    .join('') || '<p class="muted">no topics</p>';

  $('#groups').innerHTML =
    (view.groupsError ? `<p class="offline">${esc(view.groupsError)}</p>` : '') +
    (view.groups
      .map((g) => {
        const members = g.members.map((m) => `<tr><td>${esc(m.memberId)}</td><td>${esc(m.clientId)}</td><td>${esc(m.host)}</td><td>${esc(m.assignment)}</td></tr>`).join('');
        const parts = g.partitions
          .map((p) => `<tr><td>${esc(p.topic)}</td><td>${p.partition}</td><td>${p.currentOffset ?? '-'}</td><td>${p.logEndOffset ?? '-'}</td><td>${p.lag ?? '-'}</td><td>${esc(p.consumerId ?? '-')}</td></tr>`)
          .join('');
        return `<div class="topic" data-group="${esc(g.groupId)}"><h3>${esc(g.groupId)} <span class="muted">${esc(g.state)} · ${esc(g.protocol || 'no assignor')} · coordinator ${g.coordinator}</span></h3>
          ${g.error ? `<p class="offline">${esc(g.error)}</p>` : ''}
          ${members ? `<table><thead><tr><th>member</th><th>client id</th><th>host</th><th>assignment</th></tr></thead><tbody>${members}</tbody></table>` : '<p class="muted">no active members</p>'}
          ${parts ? `<table><thead><tr><th>topic</th><th>partition</th><th>current offset</th><th>log end offset</th><th>lag</th><th>consumer</th></tr></thead><tbody>${parts}</tbody></table>` : ''}</div>`;
      })
      .join('') || '<p class="muted">no consumer groups</p>');
}

function describeEvent(e) {
  const f = e.fields;
  const extra = [];
  for (const k of ['tp', 'epoch', 'from', 'to', 'leader', 'leaderEpoch', 'isr', 'newIsr', 'replica', 'subjectBroker', 'deadBrokerIds', 'newBrokerIds', 'controllerEpoch']) {
    if (f[k] !== undefined) extra.push(`${k}=${typeof f[k] === 'object' ? JSON.stringify(f[k]) : f[k]}`);
  }
  return extra.join(' ');
}

function addEvent(e, fresh) {
  const li = document.createElement('li');
  li.dataset.seq = e.seq;
  li.dataset.log = e.log;
  if (fresh) li.className = 'new';
  li.dataset.event = e.event || '';
  li.innerHTML = `<span class="t">${time(e.time).slice(11)}</span> <span class="kind muted">[${esc(e.event || e.log)}]</span> <span class="${esc(e.level)}">${esc(e.msg)}</span> <span class="muted">${esc(describeEvent(e))}</span>`;
  const ol = $('#timeline');
  ol.insertBefore(li, ol.firstChild);
  while (ol.children.length > 500) ol.removeChild(ol.lastChild);
}

function connectEvents() {
  const source = new EventSource('api/events');
  let live = false;
  source.addEventListener('timeline', (msg) => {
    addEvent(JSON.parse(msg.data), live);
    if (live) scheduleRefresh(150); // the state sections follow the event at once
  });
  source.onmessage = () => {};
  source.onopen = () => {
    setTimeout(() => (live = true), 300);
  };
  source.onerror = () => {
    live = false;
    $('#status').textContent = 'event stream interrupted; retrying…';
    $('#status').className = 'status down';
  };
}

async function showZNode(path, li) {
  const res = await fetch(`api/zk?path=${encodeURIComponent(path)}`, { cache: 'no-store' });
  const n = await res.json();
  const stat = n.stat ? `version ${n.stat.version} · cversion ${n.stat.cversion} · children ${n.stat.numChildren} · ephemeralOwner ${n.stat.ephemeralOwner} · mtime ${time(n.stat.mtime)}` : 'does not exist';
  $('#zk-node').textContent = `${n.path}\n${stat}\n\n${n.data ?? '(null)'}`;
  $('#zk-node').className = 'znode';
  if (li && !li.dataset.loaded && n.children.length) {
    li.dataset.loaded = '1';
    const ul = document.createElement('ul');
    for (const c of n.children) ul.appendChild(zNodeItem(path === '/' ? `/${c}` : `${path}/${c}`, c));
    li.appendChild(ul);
  } else if (li && li.dataset.loaded) {
    const ul = li.querySelector('ul');
    if (ul) ul.hidden = !ul.hidden;
  }
}

function zNodeItem(path, name) {
  const li = document.createElement('li');
  const span = document.createElement('span');
  span.className = 'node';
  span.textContent = name;
  span.dataset.path = path;
  span.onclick = (ev) => {
    ev.stopPropagation();
    void showZNode(path, li);
  };
  li.appendChild(span);
  return li;
}

const root = document.createElement('ul');
const rootItem = zNodeItem('/', '/');
root.appendChild(rootItem);
$('#zk-tree').appendChild(root);
void showZNode('/', rootItem);
connectEvents();
scheduleRefresh(0);
