/*
 * Ketenpoort on-call console: sign in with an on-call token, watch the organisation's alerts live,
 * acknowledge and close them, read their history; and see what the organisation must still do in
 * the chain (the due list), recording an obligation done elsewhere or waiving it, with a reason.
 *
 * Plain ES2020, no build step, no external resources: the server sends
 * `Content-Security-Policy: default-src 'self'`, so the page's three scripts (common.js, what they
 * share; person.js, a person's page; this file) and console.css are all there is.
 *
 * How it holds together:
 * - One in-memory map (alert id -> alert) is the truth; the DOM is drawn from it. A change to one
 *   alert re-draws that alert's card or row only (`place`), never a whole list.
 * - The server pushes each changed alert whole over Server-Sent Events. Whenever the stream (re)opens
 *   we fetch the full list again, because events sent while we were disconnected are lost.
 * - An alert's `events` only ever grow (its state is the fold of its events), so when a fetched list
 *   and a pushed event race, the copy with more events wins (`supersedes`).
 * - The due list is fetched whole (at sign-in, every 30 s, on every alert event, after an action)
 *   and a row is re-drawn only when its obligation changed, keeping an open reason form, its text
 *   and the focus.
 * - Nothing from the server is ever parsed as HTML, and every word comes from the page's catalogue
 *   (see common.js).
 * - An alert is a compact card: priority, countdown, who/what/where, whom to call, Acknowledge; the
 *   shared content is folded (<details>), grouped as person, measure, event and contact.
 */
(() => {
  'use strict';

  // The shared helpers (common.js, loaded before this file): the catalogue's words and labels, how
  // elements, times and fields are drawn, and the API.
  const kp = window.ketenpoort;
  const {
    API, PRIORITY_RANK, formats, t, tn, el, hasText, orgName, tierName, readable,
    priorityLabel, signalLabels, signalName, fieldLabel, valueLabel, obligationName, reasonText,
    parseTime, timeEl, scalar, empty, personName, api, badge, facts, fieldGroups, contactLink, contactOf,
  } = kp;
  const personPage = kp.pages.person; // person.js: a person's page, shown instead of the lists

  const HIGHLIGHT_MS = 8000; // how long a newly arrived P1 stays highlighted
  const RECONNECT_MAX_MS = 30000;
  const DUE_REFRESH_MS = 30000;
  const REASON_CHARS = 500; // as the server takes it
  const NOTE_CHARS = 2000; // a closing note, as the server keeps it

  const STATUS_RANK = { open: 0, acknowledged: 1, closed: 2 };
  const SETTLING = ['done-elsewhere', 'waive']; // the two ways the owner settles an obligation itself
  const PERSONS = ['suspect', 'victim', 'children'];

  /* ---------------------------------------------------------------- state */

  const state = {
    me: null, //            {name, org, csrf} while signed in
    alerts: new Map(), //   alert id -> {alert, touched}: `touched` is the `seq` of its last live update
    nodes: new Map(), //    alert id -> its <article> card or history <li>
    countdowns: new Map(), // alert id -> {el, due (ms)} for open alerts with a deadline
    busy: new Set(), //     alert ids with an acknowledge or close request in flight
    highlightUntil: new Map(), // alert id -> ms: new P1s stay highlighted across re-draws
    closeForms: new Map(), // alert id -> {note, error}: an open closing form, kept across re-draws
    openDetails: new Set(), // alert ids whose details are unfolded, kept across re-draws
    seq: 0, //              counts live updates, to tell which ones a list fetch may not include
    loadedOnce: false, //   after the first list, a new alert is news (highlight, announce)
    source: null, //        the EventSource
    reconnectTimer: null,
    reconnectDelay: 1000,
    ticker: null,
    loading: null, //       the list fetch in flight, if any
    loadAgain: false, //    another fetch was asked for while one was in flight
    due: new Map(), //      obligation id -> {item, node}: the due list, in the server's order
    dueForms: new Map(), // obligation id -> {action, reason, error}: an open reason form
    dueBusy: new Set(), //  obligation ids with a request in flight
    dueSettled: new Set(), // settled here: a list fetched before that must not bring them back
    dueLoadedOnce: false,
    dueLoadError: false, // #due-message holds a failed fetch's error (the next good one clears it)
    dueTimer: null,
    dueLoading: null,
    dueLoadAgain: false,
  };

  let ui = {};

  /* ---------------------------------------------------------------- helpers */



  /** "escaleert over 3:12", "escaleert over 1:02:03", or "te laat". */
  function countdownText(due, now) {
    const left = due - now;
    if (left <= 0) return t('card.overdue');
    const total = Math.ceil(left / 1000);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, '0');
    return t('card.escalates_in', { time: h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}` });
  }


  function isAlert(a) {
    return a !== null && typeof a === 'object' && typeof a.alert_id === 'string' && a.alert_id !== '';
  }

  const eventCount = (a) => (Array.isArray(a.events) ? a.events.length : 0);

  /** Whether `incoming` is at least as recent as `current`: more events wins; on a tie, the further
   * status (open < acknowledged < closed) wins, and an equal one is taken as the newer copy. */
  function supersedes(incoming, current) {
    if (!current) return true;
    const a = eventCount(incoming);
    const b = eventCount(current);
    if (a !== b) return a > b;
    return (STATUS_RANK[incoming.status] ?? 0) >= (STATUS_RANK[current.status] ?? 0);
  }

  /** Open and acknowledged alerts are worked in the open list; only closed ones are history. */
  const section = (a) => (a.status === 'closed' ? 'history' : 'open');

  /** Open list, as the server orders it: what nobody has taken before what somebody has, then P1
   * before P2 before P3 (reminders), then the one that escalates soonest, then the newest. */
  function compareOpen(a, b) {
    const taken = (x) => (x.status === 'open' ? 0 : 1);
    if (taken(a) !== taken(b)) return taken(a) - taken(b);
    const pa = PRIORITY_RANK[a.priority] ?? 9;
    const pb = PRIORITY_RANK[b.priority] ?? 9;
    if (pa !== pb) return pa - pb;
    const da = parseTime(a.due) ?? Infinity;
    const db = parseTime(b.due) ?? Infinity;
    if (da !== db) return da < db ? -1 : 1;
    return (parseTime(b.raised_at) ?? 0) - (parseTime(a.raised_at) ?? 0) || a.alert_id.localeCompare(b.alert_id);
  }

  /** History: most recently finished first. */
  function compareHistory(a, b) {
    const when = (x) => parseTime(x.closed_at) ?? parseTime(x.acknowledged_at) ?? parseTime(x.raised_at) ?? 0;
    return when(b) - when(a) || a.alert_id.localeCompare(b.alert_id);
  }

  /* ---------------------------------------------------------------- API */


  /** A 401 on any signed-in call means the session is gone: back to the sign-in form. */
  function sessionLost(err) {
    if (err && err.status === 401 && state.me) {
      signedOut(t('session.ended'));
      return true;
    }
    return false;
  }

  function showMessage(text) { ui.message.textContent = text; }
  function clearMessage() { ui.message.textContent = ''; }

  function announce(text) {
    // Emptying first makes a repeated identical announcement be read again.
    ui.announcer.textContent = '';
    setTimeout(() => { ui.announcer.textContent = text; }, 50);
  }

  /* ---------------------------------------------------------------- session */

  async function boot() {
    ui = {
      booting: document.getElementById('booting'),
      session: document.getElementById('session'),
      orgName: document.getElementById('org-name'),
      userName: document.getElementById('user-name'),
      personName: document.getElementById('person-name'),
      person: document.getElementById('person'),
      connection: document.getElementById('connection'),
      signout: document.getElementById('signout'),
      signin: document.getElementById('signin'),
      signinForm: document.getElementById('signin-form'),
      token: document.getElementById('token'),
      signinError: document.getElementById('signin-error'),
      view: document.getElementById('alert-view'),
      message: document.getElementById('message'),
      openTitle: document.getElementById('open-title'),
      openList: document.getElementById('open-alerts'),
      openEmpty: document.getElementById('open-empty'),
      openCount: document.getElementById('open-count'),
      history: document.getElementById('history'),
      historyEmpty: document.getElementById('history-empty'),
      historyCount: document.getElementById('history-count'),
      announcer: document.getElementById('announcer'),
      dueTitle: document.getElementById('due-title'),
      dueCount: document.getElementById('due-count'),
      dueMessage: document.getElementById('due-message'),
      dueEmpty: document.getElementById('due-empty'),
      dueList: document.getElementById('due-list'),
    };
    ui.signinForm.addEventListener('submit', onSignin);
    ui.signout.addEventListener('click', onSignout);
    ui.openList.addEventListener('click', onCardClick);
    ui.openList.addEventListener('submit', onCloseSubmit);
    ui.openList.addEventListener('input', onCloseInput);
    ui.openList.addEventListener('keydown', onCloseKey);
    // `toggle` does not bubble: listen while it goes down, to keep a card's details open across re-draws.
    for (const list of [ui.openList, ui.history]) list.addEventListener('toggle', onDetailsToggle, true);
    ui.dueList.addEventListener('click', onDueClick);
    ui.dueList.addEventListener('submit', onDueSubmit);
    ui.dueList.addEventListener('input', onDueInput);
    ui.dueList.addEventListener('keydown', onDueKey);
    window.addEventListener('hashchange', route);
    window.addEventListener('online', () => {
      if (state.me && (!state.source || state.source.readyState === EventSource.CLOSED)) connect();
    });

    try {
      signedIn(await api('GET', '/me'));
    } catch (err) {
      showSignin(err.status === 401 ? '' : err.message);
    }
  }

  function validMe(me) {
    return me && typeof me.name === 'string' && typeof me.org === 'string' && typeof me.csrf === 'string';
  }

  /** The partners' names the session brought, those that are text; none, if it brought none. */
  function partnerNames(partners) {
    if (partners === null || typeof partners !== 'object' || Array.isArray(partners)) return {};
    return Object.fromEntries(Object.entries(partners).filter(([, name]) => typeof name === 'string' && name));
  }

  function showSignin(error) {
    ui.booting.hidden = true;
    ui.session.hidden = true;
    ui.view.hidden = true;
    ui.signin.hidden = false;
    ui.signinError.textContent = error || '';
    ui.token.value = '';
    (hasText(ui.person.value) ? ui.token : ui.person).focus();
  }

  async function onSignin(event) {
    event.preventDefault();
    const token = ui.token.value.trim();
    const person = ui.person.value.trim();
    if (!person) { // who takes an alert is a person, not the desk's token
      ui.signinError.textContent = t('signin.person_missing');
      ui.person.focus();
      return;
    }
    if (!token) {
      ui.signinError.textContent = t('signin.token_missing');
      ui.token.focus();
      return;
    }
    const button = ui.signinForm.querySelector('button[type="submit"]');
    button.disabled = true;
    ui.signinError.textContent = '';
    try {
      const me = await api('POST', '/session', { body: { token, person } });
      ui.token.value = ''; // the token is not needed again; the session cookie carries on
      signedIn(me);
    } catch (err) {
      ui.signinError.textContent = err.message;
      (err.code === 'person' ? ui.person : ui.token).select();
    } finally {
      button.disabled = false;
    }
  }

  function signedIn(me) {
    if (!validMe(me)) {
      showSignin(t('error.unexpected'));
      return;
    }
    state.me = { name: me.name, org: me.org, csrf: me.csrf, person: hasText(me.person) ? me.person : '' };
    kp.setPartners(partnerNames(me.partners));
    kp.session.csrf = me.csrf;
    ui.orgName.textContent = orgName(me.org);
    ui.personName.textContent = state.me.person;
    ui.userName.textContent = me.name;
    ui.booting.hidden = true;
    ui.signin.hidden = true;
    ui.signinError.textContent = '';
    ui.session.hidden = false;
    ui.view.hidden = true; // until `route` says which page the address asks for
    clearMessage();
    resetAlerts();
    resetDue();
    setConnection(false, t('connection.connecting'));
    // A quarter second, not a whole one: a 1 s interval at an arbitrary phase shows a countdown up
    // to a second stale. The DOM is only written when the text changes, once a second.
    state.ticker = setInterval(tick, 250);
    route();
    // Fetch at once, and again when the stream opens (so nothing between the two is missed).
    loadAlerts();
    loadDue();
    state.dueTimer = setInterval(loadDue, DUE_REFRESH_MS);
    connect();
  }

  /** Which page the address asks for: a person's (person.js: `#alert/…`, `#obligation/…`,
   * `#person/…`), else the lists. The lists stay live behind a person's page. */
  function route() {
    if (!state.me) return;
    const wanted = personPage ? personPage.target(location.hash) : null;
    if (wanted) {
      ui.view.hidden = true;
      personPage.open(wanted, { sessionLost, org: () => (state.me ? state.me.org : '') });
      return;
    }
    if (personPage) personPage.close();
    const back = ui.view.hidden;
    ui.view.hidden = false;
    if (back) ui.openTitle.focus({ preventScroll: true });
  }

  /** Back to the sign-in form, with everything of the session forgotten. */
  function signedOut(note) {
    if (personPage) personPage.close();
    state.me = null;
    kp.session.csrf = null;
    disconnect();
    clearInterval(state.ticker);
    state.ticker = null;
    clearInterval(state.dueTimer);
    state.dueTimer = null;
    resetAlerts();
    resetDue();
    ui.signout.disabled = false;
    showSignin(note);
  }

  async function onSignout() {
    ui.signout.disabled = true;
    clearMessage();
    try {
      await api('DELETE', '/session', { csrf: true });
    } catch (err) {
      if (err.status !== 401) { // 401: already signed out, which is what was asked
        showMessage(t('session.sign_out_failed', { error: err.message }));
        ui.signout.disabled = false;
        return;
      }
    }
    history.replaceState(null, '', location.pathname + location.search); // no person's page to come back to
    signedOut('');
  }

  /* ---------------------------------------------------------------- live stream */

  function setConnection(live, text) {
    ui.connection.dataset.state = live ? 'live' : 'lost';
    ui.connection.textContent = text || (live ? t('connection.live') : t('connection.reconnecting'));
  }

  function connect() {
    disconnect();
    const source = new EventSource(`${API}/events`);
    state.source = source;
    source.addEventListener('open', () => {
      if (state.source !== source) return;
      state.reconnectDelay = 1000;
      setConnection(true);
      loadAlerts(); // whatever changed while the stream was down
      loadDue();
    });
    source.addEventListener('alert', (event) => {
      if (state.source !== source) return;
      let alert;
      try { alert = JSON.parse(event.data); } catch { return; }
      if (isAlert(alert)) receive(alert, true);
      loadDue(); // a reminder or a lapse, or an alert closed because its obligation was settled
    });
    source.addEventListener('error', () => {
      if (state.source !== source) return;
      setConnection(false);
      // While CONNECTING the browser retries by itself. CLOSED means it gave up (the server
      // answered with an error, e.g. 401 after the session expired): we retry, with a backoff.
      if (source.readyState === EventSource.CLOSED) scheduleReconnect();
    });
  }

  function disconnect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (state.source) {
      state.source.close();
      state.source = null;
    }
  }

  function scheduleReconnect() {
    clearTimeout(state.reconnectTimer);
    const delay = state.reconnectDelay;
    state.reconnectDelay = Math.min(delay * 2, RECONNECT_MAX_MS);
    state.reconnectTimer = setTimeout(async () => {
      if (!state.me) return;
      try {
        await api('GET', '/me'); // is the session still there? EventSource cannot tell us the status
      } catch (err) {
        if (sessionLost(err)) return;
        scheduleReconnect(); // server unreachable: try again later
        return;
      }
      if (state.me) connect();
    }, delay);
  }

  /* ---------------------------------------------------------------- the alert map */

  function resetAlerts() {
    state.alerts.clear();
    state.nodes.clear();
    state.countdowns.clear();
    state.busy.clear();
    state.highlightUntil.clear();
    state.closeForms.clear();
    state.openDetails.clear();
    state.loadedOnce = false;
    state.loadAgain = false;
    ui.openList.replaceChildren();
    ui.history.replaceChildren();
    summarise();
  }

  /** Fetches both lists; coalesces: asked again while one is in flight, it runs once more after. */
  function loadAlerts() {
    if (state.loading) {
      state.loadAgain = true;
      return state.loading;
    }
    state.loading = (async () => {
      do {
        state.loadAgain = false;
        await loadOnce();
      } while (state.loadAgain && state.me);
    })().finally(() => { state.loading = null; });
    return state.loading;
  }

  async function loadOnce() {
    const startedAt = state.seq;
    let data;
    try {
      data = await api('GET', '/alerts');
    } catch (err) {
      if (!sessionLost(err)) showMessage(t('open.load_failed', { error: err.message }));
      return;
    }
    if (!state.me) return; // signed out meanwhile
    const listed = [
      ...(Array.isArray(data && data.open) ? data.open : []),
      ...(Array.isArray(data && data.history) ? data.history : []),
    ];
    const fresh = new Map();
    for (const alert of listed) {
      if (isAlert(alert) && !fresh.has(alert.alert_id)) fresh.set(alert.alert_id, alert);
    }
    // What we have may be newer than the list: a live update that arrived while it was fetched.
    for (const [id, entry] of state.alerts) {
      const listedCopy = fresh.get(id);
      if (listedCopy ? !supersedes(listedCopy, entry.alert) : entry.touched > startedAt) {
        fresh.set(id, entry.alert);
      }
    }
    for (const id of [...state.alerts.keys()]) {
      if (!fresh.has(id)) forget(id); // no longer listed by the server
    }
    const news = state.loadedOnce; // the first list is what was there already, not news
    for (const alert of fresh.values()) receive(alert, false, news);
    state.loadedOnce = true;
    summarise(); // an empty list draws nothing, but its "no alerts" note is now true
  }

  /**
   * Takes one alert's current state (from the stream, a list or an action's answer) into the map
   * and re-draws that alert only. `live` marks it as newer than any list fetch in flight.
   */
  function receive(alert, live, news = true) {
    const id = alert.alert_id;
    const entry = state.alerts.get(id);
    if (entry && !supersedes(alert, entry.alert)) return;
    if (entry && JSON.stringify(entry.alert) === JSON.stringify(alert)) {
      if (live) entry.touched = ++state.seq;
      return; // unchanged: leave the DOM alone
    }
    state.alerts.set(id, { alert, touched: live ? ++state.seq : entry ? entry.touched : 0 });
    const arrived = !entry && news && (live || state.loadedOnce);
    if (arrived && alert.status === 'open') {
      if (alert.priority === 'p1') state.highlightUntil.set(id, Date.now() + HIGHLIGHT_MS);
      announce(t('open.announce', { priority: priorityLabel(alert.priority), title: titleOf(alert) }));
    }
    place(id);
    summarise();
    if (state.highlightUntil.has(id)) {
      setTimeout(() => unhighlight(id), state.highlightUntil.get(id) - Date.now() + 20);
    }
  }

  function forget(id) {
    const node = state.nodes.get(id);
    if (node) node.remove();
    state.nodes.delete(id);
    state.alerts.delete(id);
    state.countdowns.delete(id);
    state.highlightUntil.delete(id);
    summarise();
  }

  function unhighlight(id) {
    const until = state.highlightUntil.get(id);
    if (until === undefined || until > Date.now()) return;
    state.highlightUntil.delete(id);
    const node = state.nodes.get(id);
    if (node) node.classList.remove('highlight');
  }

  /** Draws one alert afresh and puts it in its place (list and order), keeping focus if it had it. */
  function place(id) {
    const entry = state.alerts.get(id);
    if (!entry) return;
    const alert = entry.alert;
    const old = state.nodes.get(id);
    const hadFocus = old ? old.contains(document.activeElement) : false;
    const active = hadFocus ? document.activeElement : null;
    const key = active && active.dataset ? active.dataset.focus : undefined;
    const selection = active && key === 'note' ? [active.selectionStart, active.selectionEnd] : null;
    const where = section(alert);
    if (where !== 'open') state.closeForms.delete(id);
    const node = where === 'open' ? renderCard(alert) : renderHistoryRow(alert);
    const list = where === 'open' ? ui.openList : ui.history;
    const compare = where === 'open' ? compareOpen : compareHistory;

    if (old) old.remove();
    state.countdowns.delete(id);
    let before = null;
    for (const child of list.children) {
      const other = state.alerts.get(child.dataset.alertId);
      if (other && compare(alert, other.alert) < 0) { before = child; break; }
    }
    list.insertBefore(node, before);
    state.nodes.set(id, node);
    if (where === 'open') registerCountdown(alert, node);

    if (hadFocus) {
      // The button pressed is gone (Acknowledge becomes Close…): give focus to what replaced it,
      // or, once the alert left the open list, to the list's heading, without jumping the page.
      const same = where === 'open' && key ? node.querySelector(`[data-focus="${key}"]`) : null;
      const next = where !== 'open' ? ui.openTitle
        : (same && !same.disabled ? same : node.querySelector('.actions button') || node);
      next.focus({ preventScroll: where !== 'open' });
      if (next === same && selection) same.setSelectionRange(...selection);
    }
  }

  /** Counts in the headings, empty notes, and the page title. */
  function summarise() {
    let open = 0;
    let unacknowledged = 0;
    let history = 0;
    for (const { alert } of state.alerts.values()) {
      if (section(alert) === 'open') {
        open += 1;
        if (alert.status === 'open') unacknowledged += 1;
      } else {
        history += 1;
      }
    }
    ui.openCount.textContent = open ? `(${open})` : '';
    ui.historyCount.textContent = history ? `(${history})` : '';
    // Say "none" only once the server has told us so, not while the first list is on its way.
    ui.openEmpty.hidden = open > 0 || !state.loadedOnce;
    ui.historyEmpty.hidden = history > 0 || !state.loadedOnce;
    // The count in the title is what a backgrounded tab shows: alerts nobody has taken yet.
    document.title = unacknowledged ? `(${unacknowledged}) ${t('page.title')}` : t('page.title');
  }

  /* ---------------------------------------------------------------- countdowns */

  function registerCountdown(alert, node) {
    const el = node.querySelector('.countdown');
    const due = parseTime(alert.due);
    if (!el || alert.status !== 'open' || due === null) return;
    state.countdowns.set(alert.alert_id, { el, due });
    updateCountdown(el, due, Date.now());
  }

  function updateCountdown(el, due, now) {
    const text = countdownText(due, now);
    if (el.textContent !== text) el.textContent = text;
    el.classList.toggle('overdue', due <= now);
  }

  function tick() {
    const now = Date.now();
    for (const { el, due } of state.countdowns.values()) updateCountdown(el, due, now);
    for (const { item, node } of state.due.values()) updateDueClock(item, node, now);
  }

  /* ---------------------------------------------------------------- drawing */


  /** An alert's details, grouped: the persons (with links to their pages), the measure, the event,
   * the contact (common.js, `fieldGroups`). The event group also says where the alert comes from. */
  function detailGroups(alert) {
    const type = alert.signal_type;
    const content = alert.content !== null && typeof alert.content === 'object' ? alert.content : {};
    const about = facts([
      [t('card.signal'), el('span', {}, signalName(type), ' ', t('card.from', { org: orgName(alert.sender) }))],
      [t('card.raised'), timeEl(alert.raised_at)],
      [t('card.why'), hasText(alert.reason) ? el('span', { class: 'why', text: reasonText(alert.reason) }) : null],
      [t('card.with'), withWhom(alert)],
    ], 'fields');
    const sections = fieldGroups(type, content, {
      person: personLinks(content, `#alert/${alert.alert_id}`),
      event: about,
    });
    if (!Object.keys(content).length) {
      sections.unshift(el('p', { class: 'empty', text: t('card.nothing_shared') }));
    }
    return sections;
  }

  function withWhom(alert) {
    const who = alert.person ? `${tierName(alert.tier)}: ${alert.person}` : tierName(alert.tier);
    const span = el('span', {}, who);
    if (alert.delivered === false) span.append(' ', el('span', { class: 'undelivered', text: t('card.not_delivered') }));
    return span;
  }

  /** "Bevestigd door Sanne de Boer (politie meldkamer) om 02:13": the time is a card's tooltip. */
  function acknowledgedLine(alert, withTime = true) {
    if (alert.status === 'open' || (!alert.acknowledged_by && !alert.acknowledged_at)) return null;
    const line = el('p', { class: 'acknowledged-by' }, alert.acknowledged_by
      ? t('card.acknowledged_by', { who: alert.acknowledged_by }) : t('card.acknowledged'));
    const at = parseTime(alert.acknowledged_at);
    if (at !== null && withTime) line.append(' ', t('card.at'), ' ', timeEl(alert.acknowledged_at, formats.time));
    else if (at !== null) line.title = formats.full.format(new Date(at));
    return line;
  }

  /** Whom the escalation skipped: the tiers before the one it is with now, as the events say. */
  function escalationLine(alert) {
    if (!alert.escalated || alert.status === 'closed') return null;
    const events = Array.isArray(alert.events) ? alert.events : [];
    const skipped = [];
    let tier = 'primary';
    for (const e of events) {
      if (!e || e.kind !== 'escalated') continue;
      if (!skipped.includes(tier)) skipped.push(tier);
      tier = e.tier || tier;
    }
    const who = skipped.filter((x) => x !== alert.tier).map(tierName).join(t('card.and'));
    const now = alert.person || tierName(alert.tier);
    return el('p', { class: 'escalated-note', dataset: { tier: String(alert.tier) } },
      el('strong', { text: t('card.not_responded', { who: who || tierName('primary') }) }),
      el('span', { class: 'escalated-now' }, ' · ', t('card.now_with', { who: now })));
  }

  /** Who, what and where, in a line: "Overtreding van voorwaarden: contactverbod · Bram Verhoef ·
   * Utrecht"; for a chain obligation's reminder, what is due, for whom, by when. */
  function titleParts(alert) {
    const type = alert.signal_type;
    const content = alert.content !== null && typeof alert.content === 'object' ? alert.content : {};
    const slot = ['suspect', 'victim'].find((role) => personName(content[role])) || null;
    const who = slot ? personName(content[slot]) : '';
    if (hasText(alert.obligation_kind)) {
      const key = alert.priority === 'p3' ? 'title.reminder' : 'title.lapsed';
      const due = parseTime(alert.obligation_due_at);
      return { who, slot, parts: [t(key, { what: obligationName(alert.obligation_kind) }), who,
        due !== null ? t('title.due', { due: formats.short.format(new Date(due)) }) : ''] };
    }
    const code = ['measure', 'kind', 'offence', 'risk_level', 'decision'].find((name) => typeof content[name] === 'string');
    const short = signalLabels(type).short || signalName(type);
    const what = code ? `${short}: ${valueLabel(type, code, content[code]) || readable(content[code])}` : signalName(type);
    const where = ['place', 'incident_place', 'held_at'].map((name) => content[name]).find(hasText) || '';
    return { who, slot, parts: [what, who, where] };
  }

  const titleOf = (alert) => titleParts(alert).parts.filter(hasText).join(' · ');

  /** The title as an element: the person's name in it links to their page, where the alert carries
   * who they are (person.js; the server checks it again). */
  function titleNode(alert, tag, attrs) {
    const { who, slot, parts } = titleParts(alert);
    const content = alert.content !== null && typeof alert.content === 'object' ? alert.content : {};
    const node = el(tag, attrs);
    parts.forEach((part, i) => {
      if (!hasText(part)) return;
      if (node.childNodes.length) node.append(' · ');
      const linked = i === 1 && part === who && slot && personPage && personPage.identifies(content[slot]);
      node.append(linked ? personPage.link(`#alert/${alert.alert_id}/${slot}`, who) : part);
    });
    return node;
  }

  /** Links to the page of every person an alert or obligation carries who they are: "Tijdlijn:
   * Bram Verhoef (verdachte)". */
  function personLinks(content, where) {
    if (!personPage || content === null || typeof content !== 'object') return null;
    const found = [];
    for (const role of PERSONS) {
      const persons = role === 'children' ? (Array.isArray(content.children) ? content.children : []) : [content[role]];
      persons.forEach((person, n) => {
        if (!personPage.identifies(person)) return;
        const slot = role === 'children' ? `children.${n}` : role;
        const label = t('person.link', { name: personName(person), role: t(`person.role.${role === 'children' ? 'child' : role}`) });
        found.push(el('li', {}, personPage.link(`${where}/${slot}`, label)));
      });
    }
    return found.length ? el('ul', { class: 'person-links' }, ...found) : null;
  }


  /** One line per event: what, when, to or by whom, through which channels, with what note. */
  function timeline(alert) {
    const events = Array.isArray(alert.events) ? alert.events : [];
    const list = el('ol', { class: 'events' });
    for (const e of events) {
      if (!e || typeof e !== 'object') continue;
      const item = el('li', { class: 'event', dataset: { kind: String(e.kind ?? '') } },
        timeEl(e.at), ' ', el('strong', { class: 'event-kind', text: t(`event.${e.kind}`) }));
      const details = [];
      if (e.tier || e.person) details.push(e.person ? `${tierName(e.tier)}: ${e.person}` : tierName(e.tier));
      if (e.by) details.push(t('event.by', { who: e.by }));
      if (Array.isArray(e.channels)) {
        details.push(e.channels.length ? t('event.via', { channels: e.channels.map((c) => t(`channel.${c}`)).join(', ') }) : t('event.no_channel'));
      }
      if (details.length) item.append(' — ', el('span', { class: 'event-details', text: details.join(' · ') }));
      if (e.note) item.append(el('q', { class: 'event-note', text: String(e.note) }));
      list.append(item);
    }
    if (!events.length) list.append(el('li', { class: 'empty', text: t('event.none') }));
    return el('section', { class: 'group group-timeline' },
      el('h4', { class: 'group-title', text: tn('card.timeline', events.length) }), list);
  }

  /** The folded part of a card or history row: the grouped details and the timeline. */
  function more(alert) {
    const id = alert.alert_id;
    return el('details', { class: 'more', open: state.openDetails.has(id) },
      el('summary', { class: 'label', text: t('card.details'), dataset: { focus: 'more' } }),
      el('div', { class: 'more-body' }, ...detailGroups(alert), timeline(alert)));
  }

  function renderCard(alert) {
    const id = alert.alert_id;
    const busy = state.busy.has(id);
    const content = alert.content !== null && typeof alert.content === 'object' ? alert.content : {};
    const card = el('article', {
      class: `alert-card priority-${Object.hasOwn(PRIORITY_RANK, alert.priority) ? alert.priority : 'p2'} status-${alert.status}${alert.escalated ? ' escalated' : ''}`,
      tabindex: '-1', // so focus can land here when its button goes away
      'aria-labelledby': `title-${id}`,
      dataset: { alertId: id, status: String(alert.status), priority: String(alert.priority) },
    });
    if ((state.highlightUntil.get(id) ?? 0) > Date.now()) card.classList.add('highlight');

    // Hidden, not removed, when there is no deadline to show (acknowledged, or no `due`).
    const countdown = el('span', { class: 'countdown', role: 'timer' });
    countdown.hidden = alert.status !== 'open' || parseTime(alert.due) === null;
    const status = alert.status === 'open' ? null : el('span', { class: 'status-label', text: t(`status.${alert.status}`) });

    // Taken: who took it stands where the countdown stood.
    const acknowledged = acknowledgedLine(alert, false);
    card.append(el('div', { class: 'card-head' }, badge(alert.priority), acknowledged ? null : status, countdown, acknowledged));
    const escalated = escalationLine(alert);
    if (escalated) card.append(escalated); // (append(null) would write the text "null")
    card.append(titleNode(alert, 'h3', { class: 'alert-title', id: `title-${id}` }));

    // The action comes first on the row, the details folded beside it: the card stays a glance.
    const actions = el('div', { class: 'actions' });
    if (alert.status === 'open') {
      actions.append(el('button', { type: 'button', class: 'acknowledge button-primary', disabled: busy, 'aria-busy': busy ? 'true' : null, text: t('card.acknowledge'), dataset: { focus: 'acknowledge' } }));
    } else if (alert.status === 'acknowledged') {
      const form = state.closeForms.has(id);
      actions.append(el('button', {
        type: 'button', class: 'close button-secondary', disabled: busy, 'aria-busy': busy && !form ? 'true' : null,
        'aria-expanded': form ? 'true' : 'false', 'aria-controls': form ? `close-form-${id}` : null,
        text: t('card.close'), dataset: { focus: 'close' },
      }));
    }
    const row = el('div', { class: 'card-row' });
    const contact = contactLink(contactOf(content));
    if (contact) row.append(contact);
    row.append(more(alert));
    if (actions.childElementCount) row.append(actions);
    card.append(row);
    if (state.closeForms.has(id)) card.append(closeForm(id, state.closeForms.get(id), busy));
    return card;
  }

  /** The in-page form asking what was done: a labelled note, its hint, its error, submit and cancel. */
  function closeForm(id, form, busy) {
    const note = el('textarea', {
      id: `close-note-${id}`, name: 'note', rows: '3', maxlength: NOTE_CHARS, required: true,
      'aria-describedby': `close-hint-${id} close-error-${id}`, 'aria-invalid': form.error ? 'true' : null,
      dataset: { focus: 'note' },
    });
    note.value = form.note;
    return el('form', { class: 'close-form', id: `close-form-${id}`, novalidate: true },
      el('label', { for: `close-note-${id}`, text: t('close.label') }),
      note,
      el('p', { class: 'hint', id: `close-hint-${id}`, text: t('close.hint', { max: NOTE_CHARS }) }),
      el('p', { class: 'error', id: `close-error-${id}`, role: 'alert', text: form.error || '' }),
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'button-primary', disabled: busy, 'aria-busy': busy ? 'true' : null, text: t('close.submit'), dataset: { focus: 'submit' } }),
        el('button', { type: 'button', class: 'cancel button-quiet', disabled: busy, text: t('form.cancel'), dataset: { focus: 'cancel' } })));
  }

  function renderHistoryRow(alert) {
    const id = alert.alert_id;
    const row = el('li', {
      class: `history-row status-${alert.status}`,
      dataset: { alertId: id, status: String(alert.status), priority: String(alert.priority) },
    });
    const head = el('div', { class: 'row-head' },
      badge(alert.priority),
      el('span', { class: 'status-label', text: t(`status.${alert.status}`) }),
      titleNode(alert, 'span', { class: 'alert-title' }));

    const meta = el('p', { class: 'row-meta' }, t('history.raised'), ' ', timeEl(alert.raised_at));
    if (alert.acknowledged_by || alert.acknowledged_at) {
      meta.append(' · ', t('history.acknowledged'));
      if (alert.acknowledged_by) meta.append(' ', el('span', { class: 'acknowledged-by', text: t('event.by', { who: alert.acknowledged_by }) }));
      if (alert.acknowledged_at) meta.append(' ', t('card.at'), ' ', timeEl(alert.acknowledged_at, formats.time));
    } else {
      meta.append(' · ', t('history.not_acknowledged'));
    }
    if (alert.closed_at) meta.append(' · ', t('history.closed'), ' ', timeEl(alert.closed_at));
    row.append(head, meta, more(alert));
    return row;
  }

  /* ---------------------------------------------------------------- actions */

  function onDetailsToggle(event) {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.classList.contains('more')) return;
    const node = details.closest('[data-alert-id]');
    if (!node) return;
    if (details.open) state.openDetails.add(node.dataset.alertId);
    else state.openDetails.delete(node.dataset.alertId);
  }

  function onCardClick(event) {
    const button = event.target.closest('button');
    if (!button || button.disabled || button.type === 'submit') return;
    const card = button.closest('[data-alert-id]');
    if (!card) return;
    const id = card.dataset.alertId;
    if (button.classList.contains('acknowledge')) acknowledge(id, button);
    else if (button.classList.contains('close')) toggleCloseForm(id);
    else if (button.classList.contains('cancel')) closeCloseForm(id);
  }

  async function acknowledge(id, button) {
    await act(id, button, `/alerts/${encodeURIComponent(id)}/acknowledge`, undefined);
  }

  function focusInCard(id, key) {
    const node = state.nodes.get(id);
    const target = node && node.querySelector(`[data-focus="${key}"]`);
    if (target) target.focus();
  }

  /** Close… opens the form asking what was done; pressed again, it folds it away. */
  function toggleCloseForm(id) {
    if (state.closeForms.has(id)) {
      closeCloseForm(id);
      return;
    }
    state.closeForms.set(id, { note: '', error: '' });
    place(id);
    focusInCard(id, 'note');
  }

  function closeCloseForm(id) {
    if (!state.closeForms.delete(id)) return;
    place(id);
    focusInCard(id, 'close'); // back to the button that opened it
  }

  function onCloseInput(event) {
    if (event.target.name !== 'note') return;
    const card = event.target.closest('[data-alert-id]');
    const form = card && state.closeForms.get(card.dataset.alertId);
    if (form) form.note = event.target.value;
  }

  function onCloseKey(event) {
    if (event.key !== 'Escape' || !event.target.closest('.close-form')) return;
    event.preventDefault();
    closeCloseForm(event.target.closest('[data-alert-id]').dataset.alertId);
  }

  /** Closing: the note checked here as the server will, then POSTed; an error is said in the form. */
  async function onCloseSubmit(event) {
    event.preventDefault();
    const card = event.target.closest('[data-alert-id]');
    const id = card && card.dataset.alertId;
    const form = id && state.closeForms.get(id);
    if (!form || state.busy.has(id)) return;
    const note = form.note.trim();
    if (!note) {
      form.error = t('close.missing');
      place(id);
      focusInCard(id, 'note');
      return;
    }
    form.error = '';
    const button = card.querySelector('.close-form button[type="submit"]');
    const closed = await act(id, button, `/alerts/${encodeURIComponent(id)}/close`, { note });
    if (!closed && state.closeForms.has(id)) {
      form.error = ui.message.textContent;
      clearMessage();
      place(id);
      focusInCard(id, 'note');
    }
  }

  /** Runs an action on one alert: its button disabled meanwhile (also across re-draws), the answer
   * (the alert's new state) taken into the map, an error shown in #message. Whether it was done. */
  async function act(id, button, path, body) {
    if (state.busy.has(id)) return false;
    // Chrome blurs a focused button when it is disabled, so remember whether it had focus.
    const hadFocus = document.activeElement === button;
    clearMessage();
    state.busy.add(id);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    let done = false;
    try {
      const alert = await api('POST', path, { body, csrf: true });
      state.busy.delete(id);
      done = true;
      if (isAlert(alert)) receive(alert, true);
      else loadAlerts();
    } catch (err) {
      if (sessionLost(err)) return false;
      showMessage(err.message);
      // 404 / 409: our copy is out of date; fetch the truth (which also redraws the card).
      if (err.status === 404 || err.status === 409) loadAlerts();
    } finally {
      state.busy.delete(id);
      // Re-enable whichever buttons now stand for this alert, if the redraw did not already.
      const node = state.nodes.get(id);
      for (const current of node ? node.querySelectorAll('button[aria-busy="true"], button:disabled') : []) {
        current.disabled = false;
        current.removeAttribute('aria-busy');
      }
      const current = node && node.querySelector('.actions button');
      // Focus fell to the page while the button was disabled: put it back where the user was.
      if (hadFocus && state.me && (!document.activeElement || document.activeElement === document.body)) {
        if (node && node.tagName === 'ARTICLE') (current || node).focus();
        else ui.openTitle.focus({ preventScroll: true });
      }
    }
    return done;
  }

  /* ---------------------------------------------------------------- the due list */

  function isDue(item) {
    return item !== null && typeof item === 'object' && typeof item.obligation_id === 'string' && item.obligation_id !== '';
  }

  const kindName = obligationName; // the kinds' labels are the contracts' (labels.yaml)

  /** Open, reminded (its reminder went out) or lapsed (its due time passed and it is not done). */
  function dueStatus(item) {
    if (item.status === 'lapsed') return 'lapsed';
    if (item.status === 'open') return item.reminded_at ? 'reminded' : 'open';
    return String(item.status ?? 'open');
  }

  /** The person as far as what the organisation may see says: the suspect's or else the victim's
   * name from the shared content, with the role; otherwise only the start of the chain pseudonym. */
  function personOf(item) {
    const content = item.content !== null && typeof item.content === 'object' ? item.content : {};
    for (const role of ['suspect', 'victim']) {
      const person = content[role];
      const name = personName(person);
      if (!name) continue;
      const values = { name, role: fieldLabel(item.signal_type, role).toLowerCase() };
      return hasText(person.birth_date) ? t('due.person_born', { ...values, born: person.birth_date }) : t('due.person', values);
    }
    const subject = typeof item.subject === 'string' ? item.subject : '';
    return subject ? t('due.pseudonym', { start: subject.slice(0, 8) }) : t('due.person_unknown');
  }

  /** The person the row is for; a link to their page where what the organisation may see says who
   * they are. */
  function duePerson(item) {
    const content = item.content !== null && typeof item.content === 'object' ? item.content : {};
    const slot = ['suspect', 'victim'].find((role) => personName(content[role]));
    const text = personOf(item);
    if (slot && personPage && personPage.identifies(content[slot])) {
      return personPage.link(`#obligation/${item.obligation_id}/${slot}`, text, 'due-person person-link');
    }
    return el('span', { class: 'due-person', text });
  }

  /** "Risicotaxatie van Politie", "Veiligheidsbeoordeling van Veilig Thuis (zonder Vervolg na
   * (maanden))", joined with "of". */
  function meetsText(metBy) {
    const ways = (Array.isArray(metBy) ? metBy : []).filter((m) => m !== null && typeof m === 'object');
    if (!ways.length) return t('due.met_by_nothing');
    return ways.map((m) => {
      const where = m.where !== null && typeof m.where === 'object' ? Object.entries(m.where) : [];
      const conditions = where.map(([field, value]) => (value === null
        ? t('due.without', { field: fieldLabel(m.type, field) })
        : t('due.with', { field: fieldLabel(m.type, field), value: valueLabel(m.type, field, value) || scalar(value) })));
      const text = t('due.signal_from', { signal: signalName(m.type), org: orgName(m.from) });
      return conditions.length ? `${text} (${conditions.join(', ')})` : text;
    }).join(t('due.or'));
  }

  /** "over 3 uur", "over 25 min", "over 4 dagen", "2 dagen te laat" (whole units, rounded down). */
  function relativeDue(due, now) {
    const diff = due - now;
    const minutes = Math.floor(Math.abs(diff) / 60000);
    let amount;
    if (minutes < 1) amount = t('due.under_a_minute');
    else if (minutes < 60) amount = tn('due.minutes', minutes);
    else if (minutes < 48 * 60) amount = tn('due.hours', Math.floor(minutes / 60));
    else amount = tn('due.days', Math.floor(minutes / 1440));
    return diff > 0 ? t('due.in', { amount }) : t('due.overdue_by', { amount });
  }

  function resetDue() {
    state.due.clear();
    state.dueForms.clear();
    state.dueBusy.clear();
    state.dueSettled.clear();
    state.dueLoadedOnce = false;
    state.dueLoadError = false;
    state.dueLoadAgain = false;
    ui.dueList.replaceChildren();
    ui.dueMessage.textContent = '';
    summariseDue();
  }

  function setDueMessage(text) {
    if (ui.dueMessage.textContent !== text) ui.dueMessage.textContent = text; // said once, not each 30 s
  }

  /** Fetches the due list; coalesces like `loadAlerts`. */
  function loadDue() {
    if (!state.me) return Promise.resolve();
    if (state.dueLoading) {
      state.dueLoadAgain = true;
      return state.dueLoading;
    }
    state.dueLoading = (async () => {
      do {
        state.dueLoadAgain = false;
        await loadDueOnce();
      } while (state.dueLoadAgain && state.me);
    })().finally(() => { state.dueLoading = null; });
    return state.dueLoading;
  }

  async function loadDueOnce() {
    let data;
    try {
      data = await api('GET', '/due');
    } catch (err) {
      if (!sessionLost(err)) {
        state.dueLoadError = true;
        setDueMessage(t('due.load_failed', { error: err.message }));
      }
      return;
    }
    if (!state.me) return; // signed out meanwhile
    if (state.dueLoadError) {
      state.dueLoadError = false;
      setDueMessage('');
    }
    showDue((Array.isArray(data && data.due) ? data.due : []).filter(isDue));
  }

  /** Takes the list: rows whose obligation changed are re-drawn, the rest are kept, and all are
   * put in the server's order (soonest due first) without taking the focus from where it is. */
  function showDue(items) {
    const focused = ui.dueList.contains(document.activeElement) ? document.activeElement : null;
    const listed = new Set();
    for (const item of items) {
      const id = item.obligation_id;
      if (listed.has(id) || state.dueSettled.has(id)) continue;
      const entry = state.due.get(id);
      if (!entry) {
        state.due.set(id, { item, node: null });
        drawDue(id);
      } else if (JSON.stringify(entry.item) !== JSON.stringify(item)) {
        entry.item = item;
        drawDue(id);
      }
      const node = state.due.get(id).node;
      const at = ui.dueList.children[listed.size]; // rows to be removed may still sit in between
      if (at !== node) ui.dueList.insertBefore(node, at || null);
      listed.add(id);
    }
    for (const id of [...state.due.keys()]) {
      if (!listed.has(id)) removeDue(id); // met, settled, or no longer ours
    }
    // Moving a row takes the focus from it: give it back.
    if (focused && focused.isConnected && document.activeElement !== focused) focused.focus({ preventScroll: true });
    state.dueLoadedOnce = true;
    summariseDue();
  }

  function removeDue(id) {
    const entry = state.due.get(id);
    const hadFocus = entry && entry.node && entry.node.contains(document.activeElement);
    if (entry && entry.node) entry.node.remove();
    state.due.delete(id);
    state.dueForms.delete(id);
    state.dueBusy.delete(id);
    if (hadFocus) ui.dueTitle.focus({ preventScroll: true });
    summariseDue();
  }

  function summariseDue() {
    const count = state.due.size;
    ui.dueCount.textContent = count ? `(${count})` : '';
    ui.dueEmpty.hidden = count > 0 || !state.dueLoadedOnce;
    ui.dueList.dataset.loaded = state.dueLoadedOnce ? 'true' : 'false';
  }

  /** Draws one row afresh in the place of the old one; what had the focus (a button, the reason
   * field with its selection) has it again in the new row. */
  function drawDue(id) {
    const entry = state.due.get(id);
    if (!entry) return;
    const old = entry.node;
    const active = old && old.contains(document.activeElement) ? document.activeElement : null;
    const key = active && active.dataset ? active.dataset.focus : undefined;
    const selection = active && key === 'reason' ? [active.selectionStart, active.selectionEnd] : null;
    const node = renderDue(entry.item);
    if (old) old.replaceWith(node);
    entry.node = node;
    updateDueClock(entry.item, node, Date.now());
    if (active) {
      const same = key ? node.querySelector(`[data-focus="${key}"]`) : null;
      (same && !same.disabled ? same : node).focus({ preventScroll: true });
      if (same && selection) same.setSelectionRange(...selection);
    }
  }

  function updateDueClock(item, node, now) {
    const due = parseTime(item.due_at);
    const relative = node.querySelector('.due-relative');
    if (due === null || !relative) return;
    const text = relativeDue(due, now);
    if (relative.textContent !== text) relative.textContent = text;
    // The server's word (its clock) or ours: whichever says it is past.
    const overdue = item.overdue === true || due <= now;
    node.classList.toggle('overdue', overdue);
    relative.classList.toggle('overdue', overdue);
    const flag = node.querySelector('.overdue-flag');
    if (flag) flag.hidden = !overdue;
  }

  function renderDue(item) {
    const id = item.obligation_id;
    const status = dueStatus(item);
    const form = state.dueForms.get(id);
    const node = el('li', {
      class: `due-card status-${status}`,
      tabindex: '-1', // so focus can land here when what had it goes away
      'aria-labelledby': `due-kind-${id}`,
      dataset: { obligationId: id, kind: String(item.kind ?? ''), status },
    });
    const since = status === 'reminded' ? item.reminded_at : status === 'lapsed' ? item.lapsed_at : null;
    const statusLabel = el('span', { class: 'status-label', text: t(`due.status.${status}`) });
    if (since && parseTime(since) !== null) statusLabel.title = `${t(`due.status.${status}`)} ${formats.full.format(new Date(parseTime(since)))}`;
    const flag = el('span', { class: 'overdue-flag', text: t('due.overdue') });
    flag.hidden = true;

    const opened = el('span', {}, t('due.signal_from', { signal: item.signal_type ? signalName(item.signal_type) : t('due.a_signal'), org: orgName(item.sender) }));
    if (item.opened_at) opened.append(', ', timeEl(item.opened_at));

    node.append(
      el('div', { class: 'card-head' }, statusLabel, flag, el('span', { class: 'due-relative' })),
      el('h3', { class: 'due-kind', id: `due-kind-${id}`, text: kindName(item.kind) }),
      facts([
        [t('due.for'), duePerson(item)],
        [t('due.due'), timeEl(item.due_at, formats.due)],
        [t('due.contact'), contactLink(item.owner_contact)],
        [t('due.met_by'), meetsText(item.met_by)],
        [t('due.opened_by'), opened],
      ], 'fields facts'),
    );

    const busy = state.dueBusy.has(id);
    const actions = el('div', { class: 'actions' });
    for (const action of SETTLING) {
      const open = form && form.action === action;
      actions.append(el('button', {
        type: 'button', class: 'settle button-secondary', text: t(`settle.${action}.button`), disabled: busy,
        'aria-expanded': open ? 'true' : 'false', 'aria-controls': open ? `due-form-${id}` : null,
        dataset: { action, focus: action },
      }));
    }
    node.append(actions);
    if (form) node.append(reasonForm(id, form, busy));
    return node;
  }

  /** The inline form asking why: a labelled one-line field, its hint, its error, submit and cancel. */
  function reasonForm(id, form, busy) {
    const input = el('input', {
      id: `due-reason-${id}`, name: 'reason', type: 'text', maxlength: REASON_CHARS, required: true,
      autocomplete: 'off', spellcheck: 'true', placeholder: t('settle.placeholder'),
      'aria-describedby': `due-hint-${id} due-error-${id}`, 'aria-invalid': form.error ? 'true' : null,
      dataset: { focus: 'reason' },
    });
    input.value = form.reason;
    return el('form', { class: 'reason-form', id: `due-form-${id}`, novalidate: true, dataset: { action: form.action } },
      el('label', { for: `due-reason-${id}`, text: t(`settle.${form.action}.label`) }),
      input,
      el('p', { class: 'hint', id: `due-hint-${id}`, text: t('settle.hint', { max: REASON_CHARS }) }),
      el('p', { class: 'error', id: `due-error-${id}`, role: 'alert', text: form.error || '' }),
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'button-primary', disabled: busy, 'aria-busy': busy ? 'true' : null, text: t(`settle.${form.action}.submit`), dataset: { focus: 'submit' } }),
        el('button', { type: 'button', class: 'cancel button-quiet', disabled: busy, text: t('form.cancel'), dataset: { focus: 'cancel' } })));
  }

  function dueIdOf(target) {
    const row = target.closest('[data-obligation-id]');
    return row ? row.dataset.obligationId : null;
  }

  function focusIn(id, key) {
    const entry = state.due.get(id);
    const target = entry && entry.node && entry.node.querySelector(`[data-focus="${key}"]`);
    if (target) target.focus();
  }

  function onDueClick(event) {
    const button = event.target.closest('button');
    if (!button || button.disabled || button.type === 'submit') return;
    const id = dueIdOf(button);
    if (!id || !state.due.has(id)) return;
    if (button.classList.contains('cancel')) {
      closeDueForm(id);
    } else if (button.dataset.action && SETTLING.includes(button.dataset.action)) {
      const form = state.dueForms.get(id);
      const action = button.dataset.action;
      if (form && form.action === action) {
        closeDueForm(id); // the same button again: it toggles
        return;
      }
      state.dueForms.set(id, { action, reason: form ? form.reason : '', error: '' });
      drawDue(id);
      focusIn(id, 'reason');
    }
  }

  function closeDueForm(id) {
    const form = state.dueForms.get(id);
    if (!form) return;
    state.dueForms.delete(id);
    drawDue(id);
    focusIn(id, form.action); // back to the button that opened it
  }

  function onDueInput(event) {
    if (event.target.name !== 'reason') return;
    const form = state.dueForms.get(dueIdOf(event.target));
    if (form) form.reason = event.target.value;
  }

  function onDueKey(event) {
    if (event.key !== 'Escape' || !event.target.closest('.reason-form')) return;
    event.preventDefault();
    closeDueForm(dueIdOf(event.target));
  }

  function onDueSubmit(event) {
    event.preventDefault();
    const id = dueIdOf(event.target);
    if (id) settle(id);
  }

  /** Done elsewhere, or waived: the reason checked here as the server will, then POSTed; on success
   * the row goes and the list is fetched again; an error is said in the form. */
  async function settle(id) {
    const form = state.dueForms.get(id);
    const entry = state.due.get(id);
    if (!form || !entry || state.dueBusy.has(id)) return;
    const reason = form.reason.trim();
    const problem = !reason ? t('settle.missing')
      : reason.length > REASON_CHARS ? t('settle.too_long', { max: REASON_CHARS }) : '';
    if (problem) {
      form.error = problem;
      drawDue(id);
      focusIn(id, 'reason');
      return;
    }
    const what = t('settle.what', { kind: kindName(entry.item.kind), person: personOf(entry.item) });
    form.error = '';
    state.dueBusy.add(id);
    drawDue(id);
    try {
      await api('POST', `/obligations/${encodeURIComponent(id)}/${form.action}`, { body: { reason }, csrf: true });
      state.dueSettled.add(id);
      removeDue(id);
      ui.dueTitle.focus({ preventScroll: true });
      announce(t(`settle.${form.action}.done`, { what }));
    } catch (err) {
      if (sessionLost(err)) return;
      state.dueBusy.delete(id);
      if (err.status === 404) { // no longer open (met meanwhile), or not ours: the list says
        setDueMessage(`${what}: ${err.message}`);
        state.dueLoadError = false;
      } else if (state.dueForms.has(id)) {
        form.error = err.message;
        drawDue(id);
        focusIn(id, 'reason');
      }
    } finally {
      state.dueBusy.delete(id);
    }
    loadDue();
  }

  /* ---------------------------------------------------------------- start */

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot);
  else boot();
})();
