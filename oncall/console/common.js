/*
 * What the on-call console's two scripts share: console.js (the alerts and the due list) and
 * person.js (a person's page: the timeline, the conditions in force, the persons linked).
 *
 * Plain ES2020, no build step, no external resources. Loaded first; it gives the others one frozen
 * object, `window.ketenpoort`, and touches nothing on the page itself. Nothing else is global.
 * - Every word comes from the catalogue the server put in the page (#catalogue): the messages of the
 *   page's language (oncall/locale), the contracts' labels for signal types, fields, code values and
 *   obligation kinds (gateway/schemas/labels.yaml), and the partners' names (partners.json).
 * - Nothing from the server is ever parsed as HTML: elements are built and filled with textContent.
 * - `api` speaks JSON to the console's API and turns an error into its text in the page's language.
 */
(() => {
  'use strict';

  const API = '/console/api';
  const TIME_ZONE = 'Europe/Amsterdam'; // the partners' own time, whatever the phone is set to

  // The words of the page's language, the contracts' labels and the partners' names: given by the
  // server in the page itself (#catalogue, a data block), so nothing is loaded from elsewhere.
  const I18N = (() => {
    try {
      const data = JSON.parse(document.getElementById('catalogue').textContent);
      if (data && typeof data === 'object') return data;
    } catch { /* an empty catalogue: ids are shown */ }
    return {};
  })();
  const MESSAGES = I18N.messages || {};
  const LABELS = I18N.labels || { fields: {}, signals: {}, obligations: {} };
  const LOCALE = I18N.lang === 'en' ? 'en-GB' : 'nl-NL';

  /** The message `key` with its `{name}` placeholders filled; the id itself if the catalogue lacks it. */
  function t(key, values = {}) {
    const text = Object.hasOwn(MESSAGES, key) ? MESSAGES[key] : key;
    return text.replace(/\{([a-z_]+)\}/g, (whole, name) => (Object.hasOwn(values, name) ? String(values[name]) : whole));
  }

  /** A plural: `key.one` for one, `key.other` for any other count (as {count}). */
  const tn = (key, count, values = {}) => t(`${key}.${count === 1 ? 'one' : 'other'}`, { ...values, count });

  const PRIORITY_RANK = { p1: 0, p2: 1, p3: 2 };

  // What the signed-in session gave: the partners' names (partners.json) and its CSRF token. Set
  // by console.js at sign-in, emptied at sign-out.
  let partners = {};
  const session = { csrf: null };
  const setPartners = (names) => { partners = names; };

  const formats = {
    dateTime: new Intl.DateTimeFormat(LOCALE, {
      timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    // In a title: the day and the time, no more.
    short: new Intl.DateTimeFormat(LOCALE, {
      timeZone: TIME_ZONE, day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    time: new Intl.DateTimeFormat(LOCALE, {
      timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    // Due times can be months away (a measure's end, a follow-up): with the year.
    due: new Intl.DateTimeFormat(LOCALE, {
      timeZone: TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
    }),
    // A bare date (a birth date, a measure's last day) is a day, not a moment: no time zone to apply.
    day: new Intl.DateTimeFormat(LOCALE, { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }),
    // For the tooltip: the full moment, with the zone, so nobody has to guess.
    full: new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, dateStyle: 'full', timeStyle: 'long' }),
  };

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

  const hasText = (value) => typeof value === 'string' && value.trim() !== '';
  // The partners' names come with the session (and with the page), from partners.json: a new partner
  // is named there only.
  const orgName = (id) => (typeof id === 'string' && ((Object.hasOwn(partners, id) && partners[id])
    || (I18N.partners && Object.hasOwn(I18N.partners, id) && I18N.partners[id]))) || String(id ?? t('value.unknown'));
  const tierName = (tier) => (hasText(tier) ? t(`tier.${tier}`) : t('value.unknown'));
  const readable = (snake) => String(snake ?? '').replace(/_/g, ' ');
  const priorityLabel = (p) => (Object.hasOwn(PRIORITY_RANK, p) ? t(`priority.${p}`) : String(p ?? '?').toUpperCase());

  /** The contracts' labels (gateway/schemas/labels.yaml): a signal type, a field path, a code value. */
  const signalLabels = (type) => (LABELS.signals && LABELS.signals[type]) || { paths: {}, values: {}, groups: {} };
  const signalName = (type) => signalLabels(type).label || readable(type) || t('value.unknown');
  function fieldLabel(type, path) {
    const own = signalLabels(type).paths || {};
    const leaf = path.split('.').pop().replace('[]', '');
    return own[path] || (LABELS.fields && LABELS.fields[leaf]) || readable(leaf);
  }
  function valueLabel(type, path, value) {
    const values = (signalLabels(type).values || {})[path];
    return values && Object.hasOwn(values, value) ? values[value] : null;
  }
  const groupOf = (type, field) => (signalLabels(type).groups || {})[field] || 'event';
  function obligationName(kind) {
    if (typeof kind === 'string' && LABELS.obligations && LABELS.obligations[kind]) return LABELS.obligations[kind];
    const text = readable(kind);
    return text ? text[0].toUpperCase() + text.slice(1) : t('due.obligation');
  }
  /** The alert policy's reason line in the page's language (as the policy says it without one). */
  const reasonText = (reason) => (I18N.reasons && hasText(reason) && I18N.reasons[reason]) || reason || '';

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

  function scalar(value) {
    if (value === null || value === undefined) return '—';
    if (value === true) return t('value.yes');
    if (value === false) return t('value.no');
    return String(value); // numbers as sent: no thousands separators in case numbers
  }

  /** Nothing to show: absent, blank, or an empty list or object. */
  function empty(value) {
    if (value === null || value === undefined) return true;
    if (typeof value === 'string') return value.trim() === '';
    if (Array.isArray(value)) return value.every(empty);
    if (typeof value === 'object') return Object.values(value).every(empty);
    return false;
  }

  /** "Bram Verhoef", from a person as the signals carry one; '' without a name. */
  function personName(person) {
    if (person === null || typeof person !== 'object') return '';
    return [person.given_name, person.family_name].filter(hasText).join(' ');
  }

  /** A phone number as a tel: link's target: its digits and a leading +, nothing else. */
  function telOf(phone) {
    if (!hasText(phone)) return null;
    const digits = phone.replace(/[^0-9+]/g, '').replace(/(?!^)\+/g, '');
    return digits.length >= 6 ? `tel:${digits}` : null;
  }

  class ApiError extends Error {
    constructor(status, message, code) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** What went wrong, in the page's language: by the API's error code, else by the HTTP status. */
  function errorText(status, code) {
    if (hasText(code) && Object.hasOwn(MESSAGES, `error.${code}`)) return t(`error.${code}`);
    if (Object.hasOwn(MESSAGES, `error.${status}`)) return t(`error.${status}`);
    return t('error.status', { status });
  }

  async function api(method, path, { body, csrf = false } = {}) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (csrf && session.csrf) headers['X-CSRF-Token'] = session.csrf;
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
      throw new ApiError(0, t('error.unreachable'), 'unreachable');
    }
    let data = null;
    if (response.status !== 204) {
      const text = await response.text().catch(() => '');
      if (text) {
        try { data = JSON.parse(text); } catch { data = null; }
      }
    }
    if (!response.ok) {
      const code = data && typeof data.code === 'string' ? data.code : '';
      throw new ApiError(response.status, errorText(response.status, code), code);
    }
    return data;
  }

  function badge(priority) {
    const known = Object.hasOwn(PRIORITY_RANK, priority);
    return el('span', {
      class: `badge priority-${known ? priority : 'other'}`,
      title: known ? t(`priority.${priority}.title`) : t('priority.other.title'),
      text: priorityLabel(priority),
    });
  }

  /** A definition list of [term, value] pairs; a pair whose value is null is left out. */
  function facts(pairs, className) {
    const dl = el('dl', { class: className });
    for (const [term, value] of pairs) {
      if (value === null || value === undefined) continue;
      dl.append(el('dt', { class: 'label' }, term), el('dd', {}, value));
    }
    return dl;
  }

  // A full date-time with a zone (as the signals carry them, in UTC), shown in Amsterdam time like
  // every other time on the page; a bare date (a birth date) as a day.
  const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

  /** One value of the content, as people read it: its code's label, a time, a day, yes or no. */
  function valueNode(type, path, value) {
    if (typeof value === 'string') {
      const label = valueLabel(type, path, value);
      if (label !== null) return label;
      if (ISO_DATE_TIME.test(value) && parseTime(value) !== null) return timeEl(value);
      if (ISO_DATE.test(value) && parseTime(value) !== null) {
        return el('time', { datetime: value, text: formats.day.format(new Date(parseTime(value))) });
      }
      if (path.endsWith('phone') && telOf(value)) return el('a', { href: telOf(value), text: value });
    }
    return scalar(value);
  }

  const ADDRESS = ['street', 'house_number', 'postal_code', 'city'];
  const isAddress = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)
    && Object.keys(v).every((k) => ADDRESS.includes(k));

  /** "Kanaalweg 14B, 3526 KL Utrecht". */
  const addressLine = (a) => [[a.street, a.house_number].filter(hasText).join(' '),
    [a.postal_code, a.city].filter(hasText).join(' ')].filter(hasText).join(', ');

  /** The non-empty fields of an object as a definition list, each labelled from the catalogue: an
   * address on one line, a list of codes joined, a list of objects as numbered items, an object
   * inside as a list of its own. */
  function fieldList(type, object, prefix) {
    const dl = el('dl', { class: 'fields' });
    for (const [name, value] of Object.entries(object)) {
      if (empty(value)) continue;
      const path = prefix ? `${prefix}.${name}` : name;
      dl.append(el('dt', { class: 'label' }, fieldLabel(type, path)), el('dd', {}, fieldValue(type, path, value)));
    }
    return dl;
  }

  function fieldValue(type, path, value) {
    if (Array.isArray(value)) {
      const items = value.filter((v) => !empty(v));
      if (items.every((v) => v === null || typeof v !== 'object')) {
        const span = el('span');
        items.forEach((v, i) => span.append(i ? ', ' : '', valueNode(type, path, v)));
        return span;
      }
      return el('ol', { class: 'items' }, ...items.map((v) => el('li', {}, fieldValue(type, `${path}[]`, v))));
    }
    if (value !== null && typeof value === 'object') {
      if (isAddress(value)) return addressLine(value);
      return fieldList(type, value, path);
    }
    return valueNode(type, path, value);
  }

  const GROUPS = ['person', 'measure', 'event', 'contact']; // a content's groups, in this order

  /** The non-empty fields of a content (an alert's, a copy's), grouped as the persons, the measure,
   * the event and the contact (labels.yaml's groups), each group a section under its heading: a
   * nested object or list of objects under its own label, the rest as a definition list. `extra`
   * adds an element to a group by its name; a group left empty is not shown. */
  function fieldGroups(type, content, extra = {}) {
    const fields = { person: [], measure: [], event: [], contact: [] };
    for (const [name, value] of Object.entries(content)) {
      if (!empty(value)) fields[GROUPS.includes(groupOf(type, name)) ? groupOf(type, name) : 'event'].push([name, value]);
    }
    const sections = [];
    for (const group of GROUPS) {
      const section = el('section', { class: `group group-${group}`, dataset: { group } },
        el('h4', { class: 'group-title', text: t(`group.${group}`) }));
      for (const [name, value] of fields[group]) {
        const nested = value !== null && typeof value === 'object' && !isAddress(value)
          && !(Array.isArray(value) && value.every((v) => v === null || typeof v !== 'object'));
        if (nested) {
          section.append(el('h5', { class: 'label', text: fieldLabel(type, name) }), fieldValue(type, name, value));
        } else {
          section.append(fieldList(type, { [name]: value }, ''));
        }
      }
      if (extra[group]) section.append(extra[group]);
      if (section.childElementCount > 1) sections.push(section);
    }
    return sections;
  }

  /** Whom to call about it: the signal's contact (or its assessor, or who informed the victim),
   * as a tel: link. */
  function contactLink(contact) {
    if (contact === null || typeof contact !== 'object' || !hasText(contact.name)) return null;
    const href = telOf(contact.phone);
    const name = href
      ? el('a', { class: 'contact-name', href, title: t('card.call', { phone: contact.phone }) },
        el('span', { class: 'contact-call', 'aria-hidden': 'true', text: '☎ ' }), contact.name)
      : el('span', { class: 'contact-name', text: contact.name });
    return el('span', { class: 'contact' }, name,
      hasText(contact.role) ? el('span', { class: 'contact-role', title: contact.role, text: contact.role }) : null);
  }

  const contactOf = (content) => (content && (content.contact || content.assessor || content.informed_by)) || null;

  window.ketenpoort = Object.freeze({
    pages: {}, // each kind of page other than the lists registers itself here (person.js)
    API, I18N, MESSAGES, LABELS, PRIORITY_RANK, formats, session, setPartners,
    t, tn, el, hasText, orgName, tierName, readable, priorityLabel, signalLabels, signalName, fieldLabel,
    valueLabel, groupOf, obligationName, reasonText, parseTime, timeEl, scalar, empty, personName, telOf,
    ApiError, errorText, api, badge, facts, valueNode, isAddress, addressLine, fieldList, fieldValue,
    fieldGroups, contactLink, contactOf,
  });
})();
