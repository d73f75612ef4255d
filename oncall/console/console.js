/*
 * Ketenpoort on-call console: sign in with an on-call token, watch the organisation's alerts live,
 * acknowledge and close them, read their history; and see what the organisation must still do in
 * the chain (the due list), recording an obligation done elsewhere or waiving it, with a reason.
 *
 * Plain ES2020, no build step, no external resources: the server sends
 * `Content-Security-Policy: default-src 'self'`, so this file and console.css are all there is.
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
 * - Nothing from the server is ever parsed as HTML: elements are built and filled with textContent.
 */
(() => {
  'use strict';

  const API = '/console/api';
  const TITLE = 'Ketenpoort on-call';
  const TIME_ZONE = 'Europe/Amsterdam'; // the partners' own time, whatever the phone is set to
  const HIGHLIGHT_MS = 8000; // how long a newly arrived P1 stays highlighted
  const RECONNECT_MAX_MS = 30000;
  const DUE_REFRESH_MS = 30000;
  const REASON_CHARS = 500; // as the server takes it

  const TIER_NAMES = { primary: 'primary on call', secondary: 'secondary on call', duty_officer: 'duty officer' };
  const STATUS_NAMES = { open: 'Open', acknowledged: 'Acknowledged', closed: 'Closed' };
  const PRIORITY_RANK = { p1: 0, p2: 1, p3: 2 };
  const PRIORITIES = {
    p1: { label: 'P1', title: 'Priority 1: act now' },
    p2: { label: 'P2', title: 'Priority 2' },
    p3: { label: 'P3 · reminder', title: 'Priority 3: a reminder of something due in the chain' },
  };
  // What each kind of chain obligation asks, in a line; an unknown kind is shown as its name.
  const KIND_NAMES = {
    risk_screening: 'Risk screening (SASH)',
    re_screening: 'Risk re-screening (SASH) after a new incident',
    safety_assessment: 'Safety assessment (veiligheidsbeoordeling)',
    safety_check_before_release: 'Safety check before the release',
    measure_extension: 'Decision on extending the measure',
    decision_after_arrest: 'Decision after the arrest (hold or release)',
  };
  const DUE_STATUS_NAMES = { open: 'Open', reminded: 'Reminded', lapsed: 'Lapsed' };
  // The two ways the owner settles an obligation itself: path, button, form label, submit, news.
  const SETTLING = {
    'done-elsewhere': {
      button: 'Done elsewhere', label: 'Why is it done elsewhere?', submit: 'Record done elsewhere',
      done: 'recorded as done elsewhere',
    },
    waive: { button: 'Waive', label: 'Why is it waived?', submit: 'Waive', done: 'waived' },
  };
  const STATUS_RANK = { open: 0, acknowledged: 1, closed: 2 };

  const formats = {
    dateTime: new Intl.DateTimeFormat('en-GB', {
      timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    time: new Intl.DateTimeFormat('en-GB', {
      timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    // Due times can be months away (a measure's end, a follow-up): with the year.
    due: new Intl.DateTimeFormat('en-GB', {
      timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    // For the tooltip: the full moment, with the zone, so nobody has to guess.
    full: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, dateStyle: 'full', timeStyle: 'long' }),
  };

  /* ---------------------------------------------------------------- state */

  const state = {
    me: null, //            {name, org, csrf} while signed in
    orgNames: {}, //        partner code -> its name, as the session brought them
    alerts: new Map(), //   alert id -> {alert, touched}: `touched` is the `seq` of its last live update
    nodes: new Map(), //    alert id -> its <article> card or history <li>
    countdowns: new Map(), // alert id -> {el, due (ms)} for open alerts with a deadline
    busy: new Set(), //     alert ids with an acknowledge or close request in flight
    highlightUntil: new Map(), // alert id -> ms: new P1s stay highlighted across re-draws
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

  /** Builds an element. Children that are strings become text nodes, never markup. */
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined && child !== false) node.append(child);
    }
    return node;
  }

  // The partners' names come with the session, from partners.json: a new partner is named there only.
  const orgName = (id) => (typeof id === 'string' && Object.hasOwn(state.orgNames, id) && state.orgNames[id])
    || String(id ?? 'unknown');
  const tierName = (tier) => TIER_NAMES[tier] || String(tier ?? 'unknown');
  const readable = (snake) => String(snake ?? '').replace(/_/g, ' ');
  const priorityLabel = (p) => (PRIORITIES[p] ? PRIORITIES[p].label : String(p ?? '?').toUpperCase());

  function parseTime(iso) {
    if (typeof iso !== 'string') return null;
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? null : ms;
  }

  /** A <time> element in Amsterdam time, with the full moment as tooltip; the raw text if unparseable. */
  function timeEl(iso, format = formats.dateTime) {
    const ms = parseTime(iso);
    if (ms === null) return el('span', { text: iso ? String(iso) : '—' });
    const date = new Date(ms);
    return el('time', { datetime: iso, title: formats.full.format(date), text: format.format(date) });
  }

  /** "escalates in 3:12", "escalates in 1:02:03", or "overdue". */
  function countdownText(due, now) {
    const left = due - now;
    if (left <= 0) return 'overdue';
    const total = Math.ceil(left / 1000);
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = String(total % 60).padStart(2, '0');
    return h ? `escalates in ${h}:${String(m).padStart(2, '0')}:${s}` : `escalates in ${m}:${s}`;
  }

  function scalar(value) {
    if (value === null || value === undefined) return '—';
    if (value === true) return 'yes';
    if (value === false) return 'no';
    return String(value); // numbers as sent: no thousands separators in case numbers
  }

  /** Flattens content to [key, value] pairs: nested objects get dotted keys, arrays of plain values
   * are joined; arrays holding objects are numbered from 1 (`conditions.1.kind`). */
  function flatten(value, prefix = '', out = []) {
    if (Array.isArray(value)) {
      if (value.every((v) => v === null || typeof v !== 'object')) {
        out.push([prefix || 'value', value.length ? value.map(scalar).join(', ') : 'none']);
      } else {
        value.forEach((v, i) => flatten(v, prefix ? `${prefix}.${i + 1}` : String(i + 1), out));
      }
    } else if (value !== null && typeof value === 'object') {
      const keys = Object.keys(value);
      if (!keys.length && prefix) out.push([prefix, '—']);
      for (const key of keys) flatten(value[key], prefix ? `${prefix}.${key}` : key, out);
    } else {
      out.push([prefix || 'value', scalar(value)]);
    }
    return out;
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

  /** Open list: P1 before P2 before P3 (reminders), then newest first. */
  function compareOpen(a, b) {
    const pa = PRIORITY_RANK[a.priority] ?? 9;
    const pb = PRIORITY_RANK[b.priority] ?? 9;
    if (pa !== pb) return pa - pb;
    return (parseTime(b.raised_at) ?? 0) - (parseTime(a.raised_at) ?? 0) || a.alert_id.localeCompare(b.alert_id);
  }

  /** History: most recently finished first. */
  function compareHistory(a, b) {
    const when = (x) => parseTime(x.closed_at) ?? parseTime(x.acknowledged_at) ?? parseTime(x.raised_at) ?? 0;
    return when(b) - when(a) || a.alert_id.localeCompare(b.alert_id);
  }

  /* ---------------------------------------------------------------- API */

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  const DEFAULT_ERRORS = {
    401: 'You are not signed in.',
    403: 'Not allowed.',
    404: 'That alert no longer exists.',
    409: 'That alert has changed in the meantime.',
  };

  async function api(method, path, { body, csrf = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf && state.me) headers['X-CSRF-Token'] = state.me.csrf;
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'Cannot reach the server. Check the connection and try again.');
    }
    let data = null;
    if (response.status !== 204) {
      const text = await response.text().catch(() => '');
      if (text) {
        try { data = JSON.parse(text); } catch { data = null; }
      }
    }
    if (!response.ok) {
      const said = data && typeof data.error === 'string' && data.error;
      throw new ApiError(response.status, said || DEFAULT_ERRORS[response.status] || `The server answered ${response.status}.`);
    }
    return data;
  }

  /** A 401 on any signed-in call means the session is gone: back to the sign-in form. */
  function sessionLost(err) {
    if (err && err.status === 401 && state.me) {
      signedOut('Your session has ended. Sign in again.');
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
    ui.dueList.addEventListener('click', onDueClick);
    ui.dueList.addEventListener('submit', onDueSubmit);
    ui.dueList.addEventListener('input', onDueInput);
    ui.dueList.addEventListener('keydown', onDueKey);
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
    ui.token.focus();
  }

  async function onSignin(event) {
    event.preventDefault();
    const token = ui.token.value.trim();
    if (!token) {
      ui.signinError.textContent = 'Enter your on-call token.';
      ui.token.focus();
      return;
    }
    const button = ui.signinForm.querySelector('button[type="submit"]');
    button.disabled = true;
    ui.signinError.textContent = '';
    try {
      const me = await api('POST', '/session', { body: { token } });
      ui.token.value = ''; // the token is not needed again; the session cookie carries on
      signedIn(me);
    } catch (err) {
      if (err.status === 401) ui.signinError.textContent = err.message || 'That token is not valid.';
      else if (err.status === 403) ui.signinError.textContent = err.message || 'That is not an on-call token.';
      else ui.signinError.textContent = err.message;
      ui.token.select();
    } finally {
      button.disabled = false;
    }
  }

  function signedIn(me) {
    if (!validMe(me)) {
      showSignin('The server sent an unexpected answer. Try again.');
      return;
    }
    state.me = { name: me.name, org: me.org, csrf: me.csrf };
    state.orgNames = partnerNames(me.partners);
    ui.orgName.textContent = orgName(me.org);
    ui.userName.textContent = me.name;
    ui.booting.hidden = true;
    ui.signin.hidden = true;
    ui.signinError.textContent = '';
    ui.session.hidden = false;
    ui.view.hidden = false;
    clearMessage();
    resetAlerts();
    resetDue();
    setConnection(false, 'connecting…');
    // A quarter second, not a whole one: a 1 s interval at an arbitrary phase shows a countdown up
    // to a second stale. The DOM is only written when the text changes, once a second.
    state.ticker = setInterval(tick, 250);
    ui.openTitle.focus({ preventScroll: true });
    // Fetch at once, and again when the stream opens (so nothing between the two is missed).
    loadAlerts();
    loadDue();
    state.dueTimer = setInterval(loadDue, DUE_REFRESH_MS);
    connect();
  }

  /** Back to the sign-in form, with everything of the session forgotten. */
  function signedOut(note) {
    state.me = null;
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
        showMessage(`Could not sign out: ${err.message}`);
        ui.signout.disabled = false;
        return;
      }
    }
    signedOut('');
  }

  /* ---------------------------------------------------------------- live stream */

  function setConnection(live, text) {
    ui.connection.dataset.state = live ? 'live' : 'lost';
    ui.connection.textContent = text || (live ? 'live' : 'reconnecting…');
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
      if (!sessionLost(err)) showMessage(`Could not load the alerts: ${err.message}`);
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
      announce(`New ${priorityLabel(alert.priority)} alert: ${alert.reason || readable(alert.signal_type)}`);
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
    const where = section(alert);
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
      const next = where === 'open' ? node.querySelector('.actions button') || node : ui.openTitle;
      next.focus({ preventScroll: where !== 'open' });
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
    document.title = unacknowledged ? `(${unacknowledged}) ${TITLE}` : TITLE;
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
    el.classList.toggle('overdue', text === 'overdue');
  }

  function tick() {
    const now = Date.now();
    for (const { el, due } of state.countdowns.values()) updateCountdown(el, due, now);
    for (const { item, node } of state.due.values()) updateDueClock(item, node, now);
  }

  /* ---------------------------------------------------------------- drawing */

  function badge(priority) {
    const p = PRIORITIES[priority] ? priority : 'other';
    return el('span', {
      class: `badge priority-${p}`,
      title: PRIORITIES[priority] ? PRIORITIES[priority].title : 'Priority',
      text: priorityLabel(priority),
    });
  }

  function facts(pairs, className) {
    const dl = el('dl', { class: className });
    for (const [term, value] of pairs) {
      if (value === null || value === undefined) continue;
      dl.append(el('dt', {}, term), el('dd', {}, value));
    }
    return dl;
  }

  function withWhom(alert) {
    const who = alert.person ? `${tierName(alert.tier)}: ${alert.person}` : tierName(alert.tier);
    const span = el('span', {}, who);
    if (alert.delivered === false) span.append(' ', el('span', { class: 'undelivered', text: '(not delivered yet)' }));
    return span;
  }

  function acknowledgedLine(alert) {
    if (alert.status === 'open' || (!alert.acknowledged_by && !alert.acknowledged_at)) return null;
    const line = el('p', { class: 'acknowledged-by' }, 'Acknowledged');
    if (alert.acknowledged_by) line.append(` by ${alert.acknowledged_by}`);
    if (alert.acknowledged_at) line.append(' at ', timeEl(alert.acknowledged_at, formats.time));
    return line;
  }

  // A full date-time with a zone (as the signals carry them, in UTC). Shown in Amsterdam time like
  // every other time on the page; a bare date (a birth date) is left as it is.
  const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

  function contentValue(value) {
    return ISO_DATE_TIME.test(value) && parseTime(value) !== null ? timeEl(value) : value;
  }

  function contentBlock(alert) {
    const content = alert.content;
    const pairs = content === null || content === undefined ? [] : flatten(content);
    const block = el('section', { class: 'content', 'aria-label': 'Shared content' },
      el('h4', { class: 'content-title', text: 'Shared with your organisation' }));
    if (!pairs.length) {
      block.append(el('p', { class: 'empty', text: 'No content shared with your organisation.' }));
    } else {
      block.append(facts(pairs.map(([key, value]) => [key, contentValue(value)]), 'content-list'));
    }
    return block;
  }

  /** One line per event: what, when, to or by whom, through which channels, with what note. */
  function timeline(alert) {
    const events = Array.isArray(alert.events) ? alert.events : [];
    const list = el('ol', { class: 'events' });
    for (const e of events) {
      if (!e || typeof e !== 'object') continue;
      const item = el('li', { class: 'event', dataset: { kind: String(e.kind ?? '') } },
        timeEl(e.at), ' ', el('strong', { class: 'event-kind', text: readable(e.kind) }));
      const details = [];
      if (e.tier || e.person) {
        details.push(e.person ? `${tierName(e.tier)}: ${e.person}` : tierName(e.tier));
      }
      if (e.by) details.push(`by ${e.by}`);
      if (Array.isArray(e.channels)) details.push(e.channels.length ? `via ${e.channels.join(', ')}` : 'no channel took it');
      if (details.length) item.append(' — ', el('span', { class: 'event-details', text: details.join(' · ') }));
      if (e.note) item.append(el('q', { class: 'event-note', text: String(e.note) }));
      list.append(item);
    }
    const summary = el('summary', {}, `Timeline (${events.length} ${events.length === 1 ? 'event' : 'events'})`);
    if (!events.length) list.append(el('li', { class: 'empty', text: 'No events.' }));
    return el('details', { class: 'timeline' }, summary, list);
  }

  function renderCard(alert) {
    const id = alert.alert_id;
    const busy = state.busy.has(id);
    const card = el('article', {
      class: `alert-card priority-${PRIORITIES[alert.priority] ? alert.priority : 'p2'} status-${alert.status}`,
      tabindex: '-1', // so focus can land here when its button goes away
      'aria-labelledby': `reason-${id}`,
      dataset: { alertId: id, status: String(alert.status), priority: String(alert.priority) },
    });
    if ((state.highlightUntil.get(id) ?? 0) > Date.now()) card.classList.add('highlight');

    // Hidden, not removed, when there is no deadline to show (acknowledged, or no `due`).
    const countdown = el('span', { class: 'countdown', role: 'timer' });
    countdown.hidden = alert.status !== 'open' || parseTime(alert.due) === null;

    card.append(
      el('div', { class: 'card-head' },
        badge(alert.priority),
        el('span', { class: 'status-label', text: STATUS_NAMES[alert.status] || String(alert.status) }),
        countdown),
      el('h3', { class: 'reason', id: `reason-${id}`, text: alert.reason || readable(alert.signal_type) }),
      facts([
        ['Signal', readable(alert.signal_type)],
        ['From', orgName(alert.sender)],
        ['Raised', timeEl(alert.raised_at)],
        ['With', withWhom(alert)],
      ], 'facts'),
    );
    const acknowledged = acknowledgedLine(alert);
    if (acknowledged) card.append(acknowledged); // (append(null) would write the text "null")

    // The action comes before the content: on a phone it must not be a scroll away.
    const actions = el('div', { class: 'actions' });
    if (alert.status === 'open') {
      actions.append(el('button', { type: 'button', class: 'acknowledge button-primary', disabled: busy, 'aria-busy': busy ? 'true' : null, text: 'Acknowledge' }));
    } else if (alert.status === 'acknowledged') {
      actions.append(el('button', { type: 'button', class: 'close button-secondary', disabled: busy, 'aria-busy': busy ? 'true' : null, text: 'Close…' }));
    }
    if (actions.childElementCount) card.append(actions);

    card.append(contentBlock(alert), timeline(alert));
    return card;
  }

  function renderHistoryRow(alert) {
    const id = alert.alert_id;
    const row = el('li', {
      class: `history-row status-${alert.status}`,
      dataset: { alertId: id, status: String(alert.status), priority: String(alert.priority) },
    });
    const head = el('div', { class: 'row-head' },
      badge(alert.priority),
      el('span', { class: 'status-label', text: STATUS_NAMES[alert.status] || String(alert.status) }),
      el('span', { class: 'reason', text: alert.reason || readable(alert.signal_type) }));

    const meta = el('p', { class: 'row-meta' },
      readable(alert.signal_type), ' · from ', orgName(alert.sender), ' · raised ', timeEl(alert.raised_at));
    if (alert.acknowledged_by || alert.acknowledged_at) {
      meta.append(' · acknowledged');
      if (alert.acknowledged_by) meta.append(' by ', el('span', { class: 'acknowledged-by', text: alert.acknowledged_by }));
      if (alert.acknowledged_at) meta.append(' at ', timeEl(alert.acknowledged_at, formats.time));
    } else {
      meta.append(' · not acknowledged');
    }
    if (alert.closed_at) meta.append(' · closed ', timeEl(alert.closed_at));

    const tl = timeline(alert);
    tl.querySelector('summary').textContent = 'Timeline and shared content';
    tl.append(contentBlock(alert));
    row.append(head, meta, tl);
    return row;
  }

  /* ---------------------------------------------------------------- actions */

  function onCardClick(event) {
    const button = event.target.closest('button');
    if (!button || button.disabled) return;
    const card = button.closest('[data-alert-id]');
    if (!card) return;
    if (button.classList.contains('acknowledge')) acknowledge(card.dataset.alertId, button);
    else if (button.classList.contains('close')) closeAlert(card.dataset.alertId, button);
  }

  async function acknowledge(id, button) {
    await act(id, button, `/alerts/${encodeURIComponent(id)}/acknowledge`, undefined);
  }

  async function closeAlert(id, button) {
    const note = window.prompt('Closing note (what was done; required):', '');
    if (note === null || note.trim() === '') return; // cancelled, or nothing said: do nothing
    await act(id, button, `/alerts/${encodeURIComponent(id)}/close`, { note: note.trim() });
  }

  /** Runs an action on one alert: its button disabled meanwhile (also across re-draws), the answer
   * (the alert's new state) taken into the map, an error shown in #message. */
  async function act(id, button, path, body) {
    if (state.busy.has(id)) return;
    // Chrome blurs a focused button when it is disabled, so remember whether it had focus.
    const hadFocus = document.activeElement === button;
    clearMessage();
    state.busy.add(id);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      const alert = await api('POST', path, { body, csrf: true });
      state.busy.delete(id);
      if (isAlert(alert)) receive(alert, true);
      else loadAlerts();
    } catch (err) {
      if (sessionLost(err)) return;
      showMessage(err.message);
      // 404 / 409: our copy is out of date; fetch the truth (which also redraws the card).
      if (err.status === 404 || err.status === 409) loadAlerts();
    } finally {
      state.busy.delete(id);
      // Re-enable whichever button now stands for this alert, if the redraw did not already.
      const node = state.nodes.get(id);
      const current = node && node.querySelector('.actions button');
      if (current) {
        current.disabled = false;
        current.removeAttribute('aria-busy');
      }
      // Focus fell to the page while the button was disabled: put it back where the user was.
      if (hadFocus && state.me && (!document.activeElement || document.activeElement === document.body)) {
        if (node && node.tagName === 'ARTICLE') (current || node).focus();
        else ui.openTitle.focus({ preventScroll: true });
      }
    }
  }

  /* ---------------------------------------------------------------- the due list */

  function isDue(item) {
    return item !== null && typeof item === 'object' && typeof item.obligation_id === 'string' && item.obligation_id !== '';
  }

  function kindName(kind) {
    if (typeof kind === 'string' && KIND_NAMES[kind]) return KIND_NAMES[kind];
    const followUp = /^follow_up_(\d+)_months$/.exec(String(kind ?? ''));
    if (followUp) return `Follow-up safety assessment after ${followUp[1]} months`;
    const text = readable(kind);
    return text ? text[0].toUpperCase() + text.slice(1) : 'Obligation';
  }

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
      if (person === null || typeof person !== 'object') continue;
      const name = [person.given_name, person.family_name]
        .filter((part) => typeof part === 'string' && part.trim() !== '').join(' ');
      if (!name) continue;
      const born = typeof person.birth_date === 'string' && person.birth_date ? `, born ${person.birth_date}` : '';
      return `${name} (${role}${born})`;
    }
    const subject = typeof item.subject === 'string' ? item.subject : '';
    return subject ? `person ${subject.slice(0, 8)}` : 'person unknown';
  }

  /** "a risk assessment from Politie", "a safety assessment from Veilig Thuis (without follow up
   * months)", joined with "or". */
  function meetsText(metBy) {
    const ways = (Array.isArray(metBy) ? metBy : []).filter((m) => m !== null && typeof m === 'object');
    if (!ways.length) return 'nothing in the chain (settle it here)';
    return ways.map((m) => {
      const where = m.where !== null && typeof m.where === 'object' ? Object.entries(m.where) : [];
      const conditions = where.map(([field, value]) => (value === null
        ? `without ${readable(field)}` : `with ${readable(field)} ${scalar(value)}`));
      const text = `a ${readable(m.type)} from ${orgName(m.from)}`;
      return conditions.length ? `${text} (${conditions.join(', ')})` : text;
    }).join(', or ');
  }

  /** "in 3 h", "in 25 min", "in 4 days", "overdue by 2 days" (whole units, rounded down). */
  function relativeDue(due, now) {
    const diff = due - now;
    const minutes = Math.floor(Math.abs(diff) / 60000);
    let amount;
    if (minutes < 1) amount = 'under a minute';
    else if (minutes < 60) amount = `${minutes} min`;
    else if (minutes < 48 * 60) amount = `${Math.floor(minutes / 60)} h`;
    else {
      const days = Math.floor(minutes / 1440);
      amount = `${days} ${days === 1 ? 'day' : 'days'}`;
    }
    return diff > 0 ? `in ${amount}` : `overdue by ${amount}`;
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
        setDueMessage(`Could not load what is due: ${err.message}`);
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
    const statusLabel = el('span', { class: 'status-label', text: DUE_STATUS_NAMES[status] || readable(status) });
    if (since && parseTime(since) !== null) statusLabel.title = `${DUE_STATUS_NAMES[status]} ${formats.full.format(new Date(parseTime(since)))}`;
    const flag = el('span', { class: 'overdue-flag', text: 'Overdue' });
    flag.hidden = true;

    const opened = el('span', {}, `${readable(item.signal_type) || 'a signal'} from ${orgName(item.sender)}`);
    if (item.opened_at) opened.append(', ', timeEl(item.opened_at));

    node.append(
      el('div', { class: 'card-head' }, statusLabel, flag, el('span', { class: 'due-relative' })),
      el('h3', { class: 'due-kind', id: `due-kind-${id}`, text: kindName(item.kind) }),
      facts([
        ['For', el('span', { class: 'due-person', text: personOf(item) })],
        ['Due', timeEl(item.due_at, formats.due)],
        ['Met by', meetsText(item.met_by)],
        ['Opened by', opened],
      ], 'facts'),
    );

    const busy = state.dueBusy.has(id);
    const actions = el('div', { class: 'actions' });
    for (const [action, words] of Object.entries(SETTLING)) {
      const open = form && form.action === action;
      actions.append(el('button', {
        type: 'button', class: 'settle button-secondary', text: words.button, disabled: busy,
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
    const words = SETTLING[form.action];
    const input = el('input', {
      id: `due-reason-${id}`, name: 'reason', type: 'text', maxlength: REASON_CHARS, required: true,
      autocomplete: 'off', spellcheck: 'true', placeholder: 'why, in a line, without names or case details',
      'aria-describedby': `due-hint-${id} due-error-${id}`, 'aria-invalid': form.error ? 'true' : null,
      dataset: { focus: 'reason' },
    });
    input.value = form.reason;
    return el('form', { class: 'reason-form', id: `due-form-${id}`, novalidate: true, dataset: { action: form.action } },
      el('label', { for: `due-reason-${id}`, text: words.label }),
      input,
      el('p', { class: 'hint', id: `due-hint-${id}`, text: `Why, in a line, without names or case details (at most ${REASON_CHARS} characters). It is kept with the obligation.` }),
      el('p', { class: 'error', id: `due-error-${id}`, role: 'alert', text: form.error || '' }),
      el('div', { class: 'actions' },
        el('button', { type: 'submit', class: 'button-primary', disabled: busy, 'aria-busy': busy ? 'true' : null, text: words.submit, dataset: { focus: 'submit' } }),
        el('button', { type: 'button', class: 'cancel button-quiet', disabled: busy, text: 'Cancel', dataset: { focus: 'cancel' } })));
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
    } else if (button.dataset.action && SETTLING[button.dataset.action]) {
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
    const problem = !reason ? 'Say why, in a line.'
      : reason.length > REASON_CHARS ? `At most ${REASON_CHARS} characters.` : '';
    if (problem) {
      form.error = problem;
      drawDue(id);
      focusIn(id, 'reason');
      return;
    }
    const what = `${kindName(entry.item.kind)} for ${personOf(entry.item)}`;
    form.error = '';
    state.dueBusy.add(id);
    drawDue(id);
    try {
      await api('POST', `/obligations/${encodeURIComponent(id)}/${form.action}`, { body: { reason }, csrf: true });
      state.dueSettled.add(id);
      removeDue(id);
      ui.dueTitle.focus({ preventScroll: true });
      announce(`${what}: ${SETTLING[form.action].done}.`);
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
