/*! Calypso counter; cookie _cid format v1. See src/collect/counter/README.md */
(() => {
  const w = window, d = document, n = navigator, l = location, LS = 'calypso_consent';
  const me = d.currentScript || [...d.scripts].reverse().find((s) => /\/counter\.js([?#]|$)/.test(s.src));
  if (!me) return;
  const site = me.getAttribute('data-site'), origin = new URL(me.src).origin;
  let consent = null, cid, cur, shown = 0;

  const attempt = (f, v) => { try { return f(); } catch (e) { return v; } };
  const hex = (k) => [...crypto.getRandomValues(new Uint8Array(k))].map((b) => (b | 256).toString(16).slice(1)).join('');
  const norm = (c) => {
    const o = {};
    for (const f of ['statistics', 'personalization', 'advertising', 'thirdParty']) o[f] = !!c && c[f] === true;
    return Object.freeze(o);
  };
  const allows = (c) => !!c && (c.statistics || c.personalization || c.advertising);
  const page = () => { const u = l.href.split('#')[0]; return u.length > 2048 ? u.split('?')[0].slice(0, 2048) : u; };
  const host = (r) => attempt(() => { const u = new URL(r); return u.protocol + '//' + u.host + '/'; });
  const ok = (re, v) => (re.test(v) ? v : undefined);

  const jar = () => attempt(() => d.cookie, '');
  const readCid = () => (/(?:^|;\s*)_cid=(1\.[0-9a-f]{32})(?:;|$)/.exec(jar()) || [])[1];
  const cookie = (v, age) => attempt(() => (d.cookie = '_cid=' + v + '; path=/; max-age=' + age + '; SameSite=Lax' + (l.protocol == 'https:' ? '; Secure' : '')));
  const sync = () => {
    cid = readCid();
    if (!allows(consent)) {
      if (/(?:^|;\s*)_cid=/.test(jar())) cookie('', 0);
      cid = undefined;
    } else if (!cid) {
      const t = new Date();
      t.setMonth(t.getMonth() + 13);
      attempt(() => cookie('1.' + hex(16), Math.floor((t - Date.now()) / 1000)));
      cid = readCid();
    }
  };

  const send = (path, body) => {
    const url = origin + path, json = JSON.stringify(body);
    if (!attempt(() => n.sendBeacon(url, new Blob([json], { type: 'text/plain' }))))
      fetch(url, { method: 'POST', body: json, keepalive: true, headers: { 'content-type': 'text/plain' }, credentials: 'omit' }).catch(() => {});
  };
  const hit = (type, e) => {
    if (!site) return;
    e = Object.assign({
      site, type, url: cur, ts: Date.now(), eid: hex(12),
      screen: ok(/^\d{2,5}x\d{2,5}$/, screen.width + 'x' + screen.height),
      lang: ok(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/, n.language),
    }, e);
    if (consent) e.consent = consent;
    if (cid) e.cid = cid;
    send('/collect', e);
  };
  const pageview = (ref) => hit('pageview', { referrer: host(ref) });
  const engage = (stop) => {
    const t = Date.now();
    if (shown && t > shown) hit('engagement', { props: { ms: t - shown } });
    shown = shown && !stop ? t : 0;
  };
  const nav = () => {
    const u = page(), prev = cur;
    if (u == cur) return;
    engage();
    cur = u;
    pageview(prev);
  };

  const calypso = (cmd, c, props) => {
    if (cmd == 'event') hit('event', { name: c, props });
    else if (cmd == 'consent') {
      if (c !== undefined) {
        const old = cid || readCid(), was = JSON.stringify(consent);
        consent = calypso.consent = norm(c);
        attempt(() => localStorage.setItem(LS, JSON.stringify(consent)));
        sync();
        const id = cid || old;
        if (site && id && (JSON.stringify(consent) != was || id != old)) send('/consent', { site, cid: id, consent });
      }
      return consent;
    }
  };

  const start = () => {
    const stub = w.calypso, q = (stub && stub.q) || [];
    if (stub && stub.v) return;
    w.calypso = calypso;
    calypso.v = 1;
    const s = attempt(() => JSON.parse(localStorage.getItem(LS)));
    if (s) consent = norm(s);
    calypso.consent = consent;
    sync();
    cur = page();
    shown = d.visibilityState == 'visible' ? Date.now() : 0;
    q.forEach((a) => a[0] == 'consent' && calypso(...a));
    pageview(d.referrer);
    q.forEach((a) => a[0] != 'consent' && calypso(...a));
    for (const m of ['pushState', 'replaceState']) {
      const f = history[m];
      history[m] = function (...a) { const r = f.apply(this, a); nav(); return r; };
    }
    w.addEventListener('popstate', nav);
    d.addEventListener('visibilitychange', () => (d.visibilityState == 'hidden' ? engage(1) : shown || (shown = Date.now())));
    w.addEventListener('pagehide', () => engage(1));
    w.addEventListener('pageshow', (e) => { if (e.persisted) { shown = Date.now(); pageview(d.referrer); } });
  };
  if (d.prerendering) d.addEventListener('prerenderingchange', start, { once: true });
  else start();
})();
