/*
 * A person's page on the on-call console: what the signed-in organisation sent and received about
 * one person, read from the gateway's case timeline (docs/timeline.md) through the console's API.
 * First the measures in force today (an officer on the street needs them in one look), then the
 * persons linked, then the timeline itself, newest first, each item folded to a line.
 *
 * The address names the person without naming him: `#alert/<id>/<slot>` and
 * `#obligation/<id>/<slot>` (a slot of what that alert or obligation may show: suspect, victim,
 * children.<n>), or `#person/p-…` (an id a timeline gave the organisation). The person goes to the
 * server in a POST body; the server takes his identifying fields from its own books, and the
 * gateway records the read before it answers. Once answered, the address becomes `#person/p-…`.
 *
 * console.js owns the session and says when to show this page (`open`) and when not (`close`);
 * this file registers itself as `window.ketenpoort.pages.person`. Helpers come from common.js.
 */
(() => {
  'use strict';

  const kp = window.ketenpoort;
  const {
    t, tn, el, hasText, orgName, readable, signalName, fieldLabel, valueLabel, obligationName, reasonText,
    parseTime, timeEl, formats, api, badge, facts, fieldGroups, contactLink,
  } = kp;

  const SLOT = '(suspect|victim|children\\.\\d{1,2})';
  const ROUTES = [
    [new RegExp(`^#alert/([0-9a-f-]{36})/${SLOT}$`), (m) => ({ alert: m[1], slot: m[2] })],
    [new RegExp(`^#obligation/([0-9a-f-]{36})/${SLOT}$`), (m) => ({ obligation: m[1], slot: m[2] })],
    [/^#person\/(p-[0-9a-f]{32})$/, (m) => ({ person: m[1] })],
  ];
  const IN_FORCE = ['in_force', 'not_yet']; // shown open; lapsed and ended measures are folded
  const ROLES = ['suspect', 'victim', 'child'];

  let ui = null;
  let asked = 0; // counts requests: an answer to an earlier one is dropped
  let hooks = { sessionLost: () => false, org: () => '' };

  /** What an address asks for, or null when it names no person's page. */
  function target(hash) {
    for (const [pattern, make] of ROUTES) {
      const match = pattern.exec(hash || '');
      if (match) return make(match);
    }
    return null;
  }

  /** Whether a person as an alert or obligation carries them can be opened: the server checks it
   * again (a BSN that passes the 11-test, or name and birth date all three). */
  const identifies = (person) => person !== null && typeof person === 'object'
    && (hasText(person.bsn) || (hasText(person.given_name) && hasText(person.family_name) && hasText(person.birth_date)));

  /** A link to a person's page, drawn as a name. */
  const link = (href, text, className = 'person-link') => el('a', { class: className, href, text });

  function elements() {
    return {
      view: document.getElementById('person-view'),
      title: document.getElementById('person-title'),
      about: document.getElementById('person-about'),
      asked: document.getElementById('person-asked'),
      message: document.getElementById('person-message'),
      body: document.getElementById('person-body'),
      measures: document.getElementById('measures'),
      measuresCount: document.getElementById('measures-count'),
      measuresDay: document.getElementById('measures-day'),
      measuresEmpty: document.getElementById('measures-empty'),
      earlier: document.getElementById('measures-earlier'),
      linked: document.getElementById('linked'),
      linkedCount: document.getElementById('linked-count'),
      linkedEmpty: document.getElementById('linked-empty'),
      entries: document.getElementById('entries'),
      entriesCount: document.getElementById('entries-count'),
      entriesEmpty: document.getElementById('entries-empty'),
    };
  }

  /** Shows the page for `wanted` and asks for it; `with` are console.js's hooks (the session). */
  async function open(wanted, using) {
    ui = ui || elements();
    hooks = { ...hooks, ...using };
    const mine = ++asked;
    ui.view.hidden = false;
    ui.body.hidden = true;
    ui.message.textContent = '';
    ui.title.textContent = t('person.loading');
    ui.about.replaceChildren();
    ui.asked.textContent = '';
    ui.title.focus({ preventScroll: true });
    window.scrollTo(0, 0);
    let page;
    try {
      page = await api('POST', '/person', { body: wanted, csrf: true });
    } catch (err) {
      if (mine !== asked || hooks.sessionLost(err)) return;
      ui.title.textContent = t('person.title');
      ui.message.textContent = t('person.load_failed', { error: err.message });
      return;
    }
    if (mine !== asked) return;
    const timeline = page && page.timeline && typeof page.timeline === 'object' ? page.timeline : {};
    const conditions = page && page.conditions && typeof page.conditions === 'object' ? page.conditions : {};
    const entries = Array.isArray(timeline.entries) ? timeline.entries : [];
    if (!wanted.person && typeof timeline.person === 'string' && entries.length) {
      // From here on the address names the person by the organisation's own id, as a reload asks.
      history.replaceState(null, '', `#person/${timeline.person}`);
    }
    draw(timeline, conditions, entries);
  }

  function close() {
    asked += 1;
    if (ui) ui.view.hidden = true;
  }

  /* ---------------------------------------------------------------- drawing */

  function draw(timeline, conditions, entries) {
    const named = timeline.named && typeof timeline.named === 'object' ? timeline.named : {};
    const name = [named.given_name, named.family_name].filter(hasText).join(' ');
    ui.title.textContent = name || t('person.unnamed');
    const roles = ROLES.filter((role) => entries.some((e) => Array.isArray(e.as) && e.as.includes(role)));
    const about = [];
    if (hasText(named.birth_date)) about.push(t('person.born', { date: day(named.birth_date) }));
    if (roles.length) about.push(roles.map((role) => t(`person.role.${role}`)).join(', '));
    ui.about.replaceChildren(about.join(' · '));
    ui.asked.replaceChildren(t('person.asked', { org: orgName(hooks.org()) }), ' ', timeEl(new Date().toISOString(), formats.time));
    drawMeasures(Array.isArray(conditions.measures) ? conditions.measures : [], conditions.today);
    drawLinked(Array.isArray(timeline.linked) ? timeline.linked : []);
    drawEntries(entries, Array.isArray(timeline.linked) ? timeline.linked : []);
    ui.body.hidden = false;
  }

  /** A bare date (a birth date, a measure's first or last day) as a day, not a moment. */
  function day(iso) {
    const ms = parseTime(iso);
    return ms === null ? String(iso) : formats.day.format(new Date(ms));
  }

  const capital = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);
  const measureKind = (kind) => capital(valueLabel('measure_imposed', 'kind', kind) || readable(kind)) || t('person.measure');

  function drawMeasures(measures, today) {
    const current = measures.filter((m) => m && IN_FORCE.includes(m.status));
    const earlier = measures.filter((m) => m && !IN_FORCE.includes(m.status));
    ui.measuresDay.textContent = hasText(today) ? t('person.measures_on', { day: day(today) }) : '';
    ui.measuresCount.textContent = current.length ? `(${current.length})` : '';
    ui.measuresEmpty.hidden = current.length > 0;
    ui.measures.replaceChildren(...current.map(measureCard));
    ui.earlier.replaceChildren();
    ui.earlier.hidden = !earlier.length;
    if (earlier.length) {
      ui.earlier.append(
        el('summary', { class: 'label', text: tn('person.measures_earlier', earlier.length) }),
        el('ol', { class: 'measures' }, ...earlier.map(measureCard)));
    }
  }

  function measureCard(measure) {
    const status = String(measure.status ?? '');
    const card = el('li', {
      class: `measure-card status-${status}`,
      dataset: { measure: String(measure.measure ?? ''), kind: String(measure.kind ?? ''), status },
    });
    const until = hasText(measure.ended_on) ? t('person.ended_on', { day: day(measure.ended_on) })
      : hasText(measure.ends_on) ? t('person.until', { day: day(measure.ends_on) }) : t('person.no_end');
    card.append(
      el('div', { class: 'card-head' },
        el('span', { class: 'status-label', text: t(`person.status.${status}`) }),
        el('span', { class: 'measure-until', text: until })),
      el('h4', { class: 'measure-kind', text: measureKind(measure.kind) }));
    const conditions = (Array.isArray(measure.conditions) ? measure.conditions : []).filter((c) => c && typeof c === 'object');
    if (conditions.length) {
      card.append(el('ul', { class: 'conditions' }, ...conditions.map((c) => {
        const kind = valueLabel('measure_imposed', 'conditions[].kind', c.kind) || readable(c.kind);
        const item = el('li', { class: `condition${c.lapsed ? ' lapsed' : ''}`, dataset: { kind: String(c.kind ?? '') } },
          el('strong', { class: 'condition-kind', text: capital(kind) }));
        if (hasText(c.description)) item.append(': ', c.description);
        if (c.lapsed) item.append(' ', el('span', { class: 'lapsed-note', text: t('person.condition_lapsed', { day: day(c.ends_on) }) }));
        else if (hasText(c.ends_on)) item.append(' ', el('span', { class: 'condition-until', text: t('person.until', { day: day(c.ends_on) }) }));
        return item;
      })));
    }
    const reason = hasText(measure.end_reason)
      ? valueLabel('measure_ended', 'reason', measure.end_reason) || readable(measure.end_reason) : null;
    const roles = (Array.isArray(measure.as) ? measure.as : []).map((role) => t(`person.role.${role}`));
    card.append(facts([
      [t('person.as'), roles.length ? roles.join(', ') : null],
      [t('person.imposed_by'), orgName(measure.imposed_by)],
      [t('person.from'), hasText(measure.starts_on) ? day(measure.starts_on) : null],
      [t('person.end_reason'), reason],
      [t('person.contact'), contactLink(measure.contact)],
    ], 'fields facts'));
    return card;
  }

  function drawLinked(linked) {
    const persons = linked.filter((p) => p && typeof p.person === 'string');
    ui.linkedCount.textContent = persons.length ? `(${persons.length})` : '';
    ui.linkedEmpty.hidden = persons.length > 0;
    ui.linked.replaceChildren(...persons.map((p) => {
      const name = [p.given_name, p.family_name].filter(hasText).join(' ') || t('person.unnamed');
      const roles = (Array.isArray(p.roles) ? p.roles : []).map((role) => t(`person.role.${role}`));
      const about = [roles.join(', '), hasText(p.birth_date) ? t('person.born', { date: day(p.birth_date) }) : '']
        .filter(hasText).join(' · ');
      return el('li', { class: 'linked-person', dataset: { person: p.person } },
        link(`#person/${p.person}`, name), about ? el('span', { class: 'linked-about', text: about }) : null);
    }));
  }

  function drawEntries(entries, linked) {
    const names = new Map(linked.map((p) => [p.person, [p.given_name, p.family_name].filter(hasText).join(' ')]));
    const newestFirst = [...entries].reverse();
    ui.entriesCount.textContent = entries.length ? `(${entries.length})` : '';
    ui.entriesEmpty.hidden = entries.length > 0;
    ui.entries.replaceChildren(...newestFirst.filter((e) => e && typeof e === 'object').map((e) => entryRow(e, names)));
  }

  /** What an item is, in a word and a name: "Ontvangen van Openbaar Ministerie", "Alarm". */
  function entryKind(entry) {
    if (entry.kind === 'received') return t('person.kind.received', { org: orgName(entry.from) });
    return t(`person.kind.${entry.kind}`);
  }

  function entryTitle(entry) {
    if (entry.kind === 'obligation') return obligationName(entry.obligation && entry.obligation.kind);
    if (entry.kind === 'match_notice') return t('person.match_notice');
    const body = entry.body && typeof entry.body === 'object' ? entry.body : {};
    const name = signalName(entry.signal_type);
    if (entry.delivery && entry.delivery.level === 'dat') return t('person.dat', { signal: name });
    const code = ['kind', 'measure', 'risk_level', 'decision'].find((field) => typeof body[field] === 'string');
    const label = code ? valueLabel(entry.signal_type, code, body[code]) : null;
    return label ? `${name}: ${label}` : name;
  }

  function entryRow(entry, names) {
    const row = el('li', {
      class: `entry kind-${String(entry.kind ?? '')}`,
      dataset: { entryId: String(entry.id ?? ''), kind: String(entry.kind ?? ''), signalId: String(entry.signal_id ?? '') },
    });
    const head = el('div', { class: 'entry-head' }, timeEl(entry.at, formats.due), el('span', { class: 'entry-kind', text: entryKind(entry) }));
    if (entry.kind === 'alert' && entry.alert) head.prepend(badge(entry.alert.priority));
    row.append(head, el('h4', { class: 'entry-title', text: entryTitle(entry) }));
    const line = statusLine(entry);
    if (line) row.append(line);
    if (entry.match === 'name_birth_date') row.append(el('p', { class: 'weak-match', text: t('person.weak_match') }));
    const more = details(entry, names);
    if (more) row.append(more);
    return row;
  }

  /** An alert's or an obligation's state, in a line; none for a signal. */
  function statusLine(entry) {
    if (entry.kind === 'alert' && entry.alert) {
      const a = entry.alert;
      const by = a.closed ? a.closed.by : a.acknowledged ? a.acknowledged.by : null;
      const text = t(`status.${a.status}`) + (hasText(by) ? ` · ${t('event.by', { who: by })}` : '');
      return el('p', { class: `entry-status status-${a.status}`, text });
    }
    if (entry.kind === 'obligation' && entry.obligation) {
      const o = entry.obligation;
      return el('p', { class: `entry-status status-${o.status}` },
        t(`person.obligation.${o.status}`), ' · ', t('person.due_by', { owner: orgName(o.owner) }), ' ', timeEl(o.due_at, formats.due));
    }
    return null;
  }

  /** The folded part: the content as received, labelled; how it was shared; whom it also names. */
  function details(entry, names) {
    const parts = [];
    const type = entry.signal_type;
    const body = entry.body && typeof entry.body === 'object' ? entry.body : null;
    if (entry.kind === 'match_notice' && body) parts.push(...matchNotice(body));
    else if (entry.delivery && entry.delivery.level === 'dat' && body) parts.push(el('ul', { class: 'involved' }, involved(body.involved_organisation, body.since, body.contact)));
    else if (body && Object.keys(body).length) parts.push(...fieldGroups(type, body));
    if (entry.delivery) parts.push(facts(delivery(entry.delivery), 'fields facts'));
    if (entry.kind === 'alert' && entry.alert && hasText(entry.alert.reason)) {
      parts.push(facts([[t('card.why'), reasonText(entry.alert.reason)]], 'fields facts'));
    }
    if (entry.kind === 'obligation' && entry.obligation && hasText(entry.obligation.source)) {
      parts.push(facts([[t('person.source'), entry.obligation.source]], 'fields facts'));
    }
    const others = (Array.isArray(entry.persons) ? entry.persons : []).filter((p) => p && typeof p.person === 'string');
    if (others.length) {
      parts.push(el('p', { class: 'entry-persons' }, t('person.also_names'), ' ',
        ...others.flatMap((p, i) => [i ? ', ' : '', link(`#person/${p.person}`, names.get(p.person) || t(`person.role.${p.role}`)),
          ` (${t(`person.role.${p.role}`)})`])));
    }
    if (!parts.length) return null;
    return el('details', { class: 'more' }, el('summary', { class: 'label', text: t('card.details') }),
      el('div', { class: 'more-body' }, ...parts));
  }

  function delivery(d) {
    const basis = kp.I18N.legal_bases && kp.I18N.legal_bases[d.legal_basis];
    return [
      [t('person.shared'), t(`person.level.${d.level}`)],
      [t('person.legal_basis'), basis || (hasText(d.legal_basis) ? d.legal_basis : null)],
      [t('person.urgency'), hasText(d.urgency) ? t(`person.urgency.${d.urgency}`) : null],
      [t('person.received'), hasText(d.received_at) ? timeEl(d.received_at, formats.due) : null],
    ];
  }

  /** A match notice: per person, who else is involved, since when, and whom to call. */
  function matchNotice(body) {
    const persons = Array.isArray(body.persons) ? body.persons : [];
    return persons.filter((p) => p && typeof p === 'object').map((p) => el('ul', { class: 'involved' },
      ...(Array.isArray(p.involved) ? p.involved : []).filter((i) => i && typeof i === 'object')
        .map((i) => involved(i.organisation, i.since, i.contact))));
  }

  /** "Veilig Thuis sinds 2 maart 2026 · ☎ I. de Graaf": who is involved, and whom to call. */
  function involved(org, since, contact) {
    return el('li', {}, el('strong', { text: orgName(org) }), hasText(since) ? ` ${t('person.since', { day: day(since) })}` : '',
      contact ? ' · ' : '', contactLink(contact));
  }

  kp.pages.person = Object.freeze({ target, open, close, identifies, link });
})();
