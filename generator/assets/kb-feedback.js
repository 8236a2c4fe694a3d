/* kb-portal: "Was this helpful?" on article pages, sent to the feedback API.
 *
 * The article page holds the widget (hidden until this script runs) with every word it shows, in
 * the article's language. A vote is written to localStorage first and then sent, so a vote the
 * API could not take (unreachable, 5xx, 429) stays queued and is sent again on the next page load
 * of any page and periodically, never before the API's Retry-After. Sending a vote again is safe:
 * the same client_token on the same article changes the vote, it never adds one. A vote the API
 * refuses (any other 4xx) is dropped.
 */
(() => {
  "use strict";

  const CLIENT_KEY = "kb-feedback:client";
  const PENDING_KEY = "kb-feedback:pending";
  const VOTES_KEY = "kb-feedback:votes";
  const RETRY_AT_KEY = "kb-feedback:retry-at";
  /** Written by kb-search.js: the logged search that led to an article, by article id. */
  const FROM_SEARCH_PREFIX = "kb-search:from:";
  const LOCK_NAME = "kb-feedback:send";
  const TIMEOUT_MS = 8000;
  const FIRST_RETRY_MS = 15000;
  const MAX_RETRY_MS = 5 * 60000;
  const MAX_RETRY_AFTER_MS = 24 * 3600000;
  const MAX_REMEMBERED_VOTES = 300;
  const MAX_COMMENT = 1000;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const SEARCH_ID = /^[0-9a-f]{32}$/;

  const apiBase = (
    document.querySelector('meta[name="kb-api"]')?.getAttribute("content") || "/api"
  ).replace(/\/+$/, "");

  // ---------------------------------------------------------------------------------- storage

  /** JSON in a Web Storage area; a private window or a blocked storage falls back to memory. */
  function createStore(area) {
    const memory = new Map();
    let backend = null;
    try {
      backend = window[area];
      backend.getItem(CLIENT_KEY); // throws when storage is blocked
    } catch {
      backend = null;
    }
    return {
      get(key, fallback = null) {
        try {
          const raw = backend ? backend.getItem(key) : memory.get(key);
          return raw === null || raw === undefined ? fallback : JSON.parse(raw);
        } catch {
          return fallback;
        }
      },
      set(key, value) {
        const raw = JSON.stringify(value);
        try {
          if (backend) backend.setItem(key, raw);
          else memory.set(key, raw);
        } catch {
          memory.set(key, raw); // quota exceeded: keep it for this page at least
        }
      },
    };
  }

  const local = createStore("localStorage");
  const session = createStore("sessionStorage");

  function newUuid() {
    if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") {
      return crypto.randomUUID(); // secure contexts only (https, localhost)
    }
    const bytes = new Uint8Array(16);
    if (typeof crypto !== "undefined" && typeof crypto.getRandomValues === "function") {
      crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)]
      .join("-");
  }

  /** This browser's token: one vote per article and browser, changed by voting again. */
  function clientToken() {
    const known = local.get(CLIENT_KEY);
    if (typeof known === "string" && UUID.test(known)) return known;
    const token = newUuid();
    local.set(CLIENT_KEY, token);
    return token;
  }

  function searchIdFor(articleId) {
    const id = session.get(FROM_SEARCH_PREFIX + articleId);
    return typeof id === "string" && SEARCH_ID.test(id) ? id : null;
  }

  /** Remember the last answer per article, so a later visit shows it (newest kept). */
  function rememberVote(articleId, helpful) {
    const votes = local.get(VOTES_KEY, {});
    delete votes[articleId];
    if (helpful !== null) votes[articleId] = helpful;
    const ids = Object.keys(votes);
    for (const id of ids.slice(0, Math.max(ids.length - MAX_REMEMBERED_VOTES, 0))) delete votes[id];
    local.set(VOTES_KEY, votes);
  }

  // ------------------------------------------------------------------------------------ queue

  /** Parse Retry-After (seconds or an HTTP date) into milliseconds from now. */
  function retryAfterMs(header) {
    if (!header) return 0;
    const seconds = Number(header);
    const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - Date.now();
    return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : 0;
  }

  /** POST one vote: "stored", "later" (keep it, with the API's Retry-After) or "rejected". */
  async function post(vote) {
    let response;
    try {
      response = await fetch(`${apiBase}/articles/${encodeURIComponent(vote.article)}/ratings`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(vote.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.text(); // read to the end, or the timeout would cut the exchange later
    } catch {
      return { outcome: "later", waitMs: 0 }; // unreachable or too slow
    }
    if (response.ok) return { outcome: "stored" };
    if (response.status === 429 || response.status >= 500) {
      return { outcome: "later", waitMs: retryAfterMs(response.headers.get("Retry-After")) };
    }
    return { outcome: "rejected" };
  }

  /** Votes waiting to be sent (one per article, the newest), sent oldest first. */
  function createQueue() {
    const listeners = new Map();
    let failures = 0;
    let timer = 0;
    let running = null;
    let again = false;

    const pending = () => local.get(PENDING_KEY, {});
    const notify = (articleId, outcome) => listeners.get(articleId)?.(outcome);

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(flush, Math.max(ms, 1000));
    }

    async function drain() {
      for (;;) {
        const queued = Object.values(pending()).sort((a, b) => a.queuedAt - b.queuedAt);
        if (!queued.length) {
          failures = 0;
          return;
        }
        const waitMs = Number(local.get(RETRY_AT_KEY, 0)) - Date.now();
        if (waitMs > 0) {
          queued.forEach((vote) => notify(vote.article, "later"));
          schedule(waitMs);
          return;
        }
        const vote = queued[0];
        const result = await post(vote);
        if (result.outcome === "later") {
          failures += 1;
          const backoff = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), MAX_RETRY_MS);
          if (result.waitMs) local.set(RETRY_AT_KEY, Date.now() + result.waitMs);
          queued.forEach((v) => notify(v.article, "later"));
          schedule(Math.max(backoff, result.waitMs));
          return;
        }
        failures = 0;
        const now = pending();
        // A newer vote on the same article (this tab or another) stays queued and goes next.
        if (now[vote.article]?.nonce === vote.nonce) {
          delete now[vote.article];
          local.set(PENDING_KEY, now);
          if (result.outcome === "rejected") rememberVote(vote.article, null);
          notify(vote.article, result.outcome);
        }
      }
    }

    /** Send what is queued: one sender per page, and one per browser where Web Locks exist. */
    function flush() {
      clearTimeout(timer);
      if (running) {
        again = true;
        return running;
      }
      const once = () =>
        navigator.locks ? navigator.locks.request(LOCK_NAME, () => drain()) : drain();
      running = (async () => {
        do {
          again = false;
          await once();
        } while (again);
      })()
        .catch(() => schedule(FIRST_RETRY_MS))
        .finally(() => {
          running = null;
        });
      return running;
    }

    return {
      flush,
      isPending: (articleId) => Boolean(pending()[articleId]),
      /** Call ``listener(outcome)`` when a vote on ``articleId`` is stored, kept or refused. */
      listen(articleId, listener) {
        listeners.set(articleId, listener);
      },
      add(articleId, body) {
        const now = pending();
        now[articleId] = { article: articleId, body, queuedAt: Date.now(), nonce: newUuid() };
        local.set(PENDING_KEY, now);
        rememberVote(articleId, body.helpful);
        return flush();
      },
    };
  }

  // ----------------------------------------------------------------------------------- widget

  function setUpWidget(root, queue) {
    const articleId = root.dataset.articleId;
    const choices = [...root.querySelectorAll(".kb-feedback__choice")];
    const noButton = choices.find((button) => button.dataset.helpful === "false");
    const form = root.querySelector(".kb-feedback__more");
    const comment = form.querySelector("textarea");
    const send = form.querySelector(".kb-feedback__send");
    const status = root.querySelector(".kb-feedback__status");
    let sending = false;

    function say(name) {
      status.textContent = root.dataset[`msg${name[0].toUpperCase()}${name.slice(1)}`] ?? "";
      status.dataset.state = name;
    }

    function press(helpful) {
      for (const button of choices) {
        button.setAttribute("aria-pressed", String(button.dataset.helpful === String(helpful)));
      }
    }

    function showForm(open) {
      form.hidden = !open;
      noButton.setAttribute("aria-expanded", String(open));
    }

    function setBusy(busy) {
      sending = busy;
      root.toggleAttribute("aria-busy", busy);
      send.disabled = busy;
      for (const button of choices) button.setAttribute("aria-disabled", String(busy));
    }

    function vote(helpful, reason, text) {
      if (sending) return; // never two submissions of one answer
      setBusy(true);
      press(helpful);
      say("sending");
      queue.add(articleId, {
        helpful,
        reason,
        comment: text,
        client_token: clientToken(),
        search_id: searchIdFor(articleId),
      });
    }

    queue.listen(articleId, (outcome) => {
      setBusy(false);
      if (outcome === "rejected") {
        say("rejected");
        return;
      }
      showForm(false);
      if (outcome === "stored") form.reset();
      say(outcome === "stored" ? "thanks" : "later");
    });

    for (const button of choices) {
      button.addEventListener("click", () => {
        if (sending) return;
        if (button.dataset.helpful === "true") {
          showForm(false);
          vote(true, null, null);
        } else {
          press(false);
          status.textContent = "";
          showForm(true);
          form.querySelector("input[name=reason]")?.focus();
        }
      });
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const reason = form.querySelector("input[name=reason]:checked")?.value ?? null;
      // By code points: a cut surrogate pair would make the server refuse the vote.
      const text = Array.from(comment.value.trim()).slice(0, MAX_COMMENT).join("");
      vote(false, reason, text || null);
    });

    const earlier = local.get(VOTES_KEY, {})[articleId];
    if (typeof earlier === "boolean") press(earlier);
    if (queue.isPending(articleId)) say("later");
    else if (typeof earlier === "boolean") say("voted");
    root.hidden = false;
  }

  // ------------------------------------------------------------------------------------ start

  const queue = createQueue();
  const widget = document.querySelector(".kb-feedback[data-article-id]");
  if (widget) setUpWidget(widget, queue);
  window.addEventListener("online", () => queue.flush());
  queue.flush();
})();
