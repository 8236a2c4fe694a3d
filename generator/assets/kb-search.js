/* kb-portal: search through the portal's API, with Material's offline search as the fallback.
 *
 * Header box: while the API answers, typing shows the API's results in a panel of our own and
 * Material's offline search is kept out of the way; when the API cannot be reached, Material's
 * search takes over again until a health check finds the API back.
 * Results page (/find/): the full results with facets and pages, driven by the URL.
 *
 * Logging: type-ahead requests are sent with instant=1, which the API does not log; the results
 * page's first pages are logged searches. Opening a result of a logged search posts a click, and
 * the search_id is kept in sessionStorage under the article's id for the article's rating
 * (kb-feedback.js). A result opened from the header box's list is logged on the article's page:
 * one logged search for that query (unless this tab logged it already), then the click.
 */
(() => {
  "use strict";

  const DEBOUNCE_MS = 150;
  const TIMEOUT_MS = 2500;
  const RECHECK_MS = 30000;
  const MAX_QUERY = 200;
  const MAX_PAGE = 100;
  const INSTANT_RESULTS = 8;
  /** The API's filters, with their names; the first three come with counts (facets). */
  const FILTERS = {
    product: ["产品", "Product"],
    type: ["类型", "Type"],
    lang: ["语言", "Language"],
    category: ["分类", "Category"],
    tag: ["标签", "Tag"],
  };
  const FACETS = ["product", "type", "lang"];
  const TYPES = {
    troubleshooting: ["故障排查", "Troubleshooting"],
    howto: ["操作指南", "How-to"],
    faq: ["常见问题", "FAQ"],
    "known-issue": ["已知问题", "Known issue"],
  };
  const LANGS = { "zh-Hans": "简体中文", "zh-Hant": "繁體中文", en: "English" };
  /** sessionStorage keys shared with kb-feedback.js (the first) and between pages. */
  const FROM_SEARCH_PREFIX = "kb-search:from:";
  const LOGGED_KEY = "kb-search:logged";
  const OPENED_KEY = "kb-search:opened";
  const MAX_LOGGED = 50;
  const SEARCH_ID = /^[0-9a-f]{32}$/;

  // ------------------------------------------------------------------------------------ API

  const apiBase = (
    document.querySelector('meta[name="kb-api"]')?.getAttribute("content") || "/api"
  ).replace(/\/+$/, "");

  class ApiUnavailable extends Error {}
  class ApiRejected extends Error {}

  /** GET an API endpoint: ApiUnavailable when the API cannot answer, ApiRejected for a 4xx. */
  async function getJson(endpoint, params, signal) {
    const url = new URL(`${apiBase}/${endpoint}`, location.href);
    for (const [name, value] of Object.entries(params)) {
      if (value) url.searchParams.set(name, value);
    }
    let response;
    let body;
    try {
      response = await fetch(url, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]),
        headers: { Accept: "application/json" },
      });
      body = await response.json();
    } catch (error) {
      if (signal.aborted) throw error;
      // Unreachable, too slow, or not our API at all (a static host's HTML error page).
      throw new ApiUnavailable(String(error));
    }
    if (response.status >= 500) throw new ApiUnavailable(`HTTP ${response.status}`);
    if (!response.ok) throw new ApiRejected(body?.error?.message || `HTTP ${response.status}`);
    return body;
  }

  /** Whether the API answers: marked down by a failed request, then re-checked until back. */
  function createApiStatus() {
    const listeners = [];
    let up = true;

    const notify = () => listeners.forEach((listener) => listener(up));

    async function recheck() {
      try {
        await getJson("health", {}, new AbortController().signal);
        up = true;
        notify();
      } catch {
        setTimeout(recheck, RECHECK_MS);
      }
    }

    return {
      isUp: () => up,
      onChange: (listener) => listeners.push(listener),
      markDown() {
        if (!up) return;
        up = false;
        setTimeout(recheck, RECHECK_MS);
        notify();
      },
    };
  }

  // --------------------------------------------------------------------------- search logging

  /** sessionStorage as JSON; nothing is remembered where storage is blocked. */
  const session = {
    get(key) {
      try {
        return JSON.parse(sessionStorage.getItem(key) ?? "null");
      } catch {
        return null;
      }
    },
    set(key, value) {
      try {
        if (value === null) sessionStorage.removeItem(key);
        else sessionStorage.setItem(key, JSON.stringify(value));
      } catch {
        // Blocked or full: logging is best effort.
      }
    },
  };

  /** What makes two searches the same search: the query and the filters, not the page. */
  function searchKey(params) {
    return JSON.stringify([params.q, ...Object.keys(FILTERS).map((name) => params[name] || "")]);
  }

  /** The search_id this tab's session logged for these parameters, if any. */
  function loggedSearch(params) {
    const id = (session.get(LOGGED_KEY) ?? {})[searchKey(params)];
    return typeof id === "string" && SEARCH_ID.test(id) ? id : null;
  }

  function rememberSearch(params, searchId) {
    if (!SEARCH_ID.test(searchId ?? "")) return;
    const logged = session.get(LOGGED_KEY) ?? {};
    delete logged[searchKey(params)];
    logged[searchKey(params)] = searchId;
    const keys = Object.keys(logged);
    for (const key of keys.slice(0, Math.max(keys.length - MAX_LOGGED, 0))) delete logged[key];
    session.set(LOGGED_KEY, logged);
  }

  /** Record that a result of a logged search was opened; survives leaving the page. */
  function recordOpened(searchId, articleId) {
    if (!searchId || !articleId) return;
    session.set(FROM_SEARCH_PREFIX + articleId, searchId);
    const url = new URL(`${apiBase}/searches/${searchId}/clicks`, location.href).href;
    const body = JSON.stringify({ article_id: articleId });
    try {
      if (navigator.sendBeacon?.(url, new Blob([body], { type: "application/json" }))) return;
    } catch {
      // Fall through to fetch.
    }
    fetch(url, {
      method: "POST",
      keepalive: true,
      headers: { "Content-Type": "application/json" },
      body,
    }).catch(() => {});
  }

  /** Log the search for ``q`` (once per tab session), then record the opened result. */
  async function logThenRecord(q, articleId) {
    let searchId = loggedSearch({ q });
    if (!searchId) {
      try {
        searchId = (await getJson("search", { q }, new AbortController().signal)).search_id;
      } catch {
        return; // the API is away: the click is not worth a retry
      }
      rememberSearch({ q }, searchId);
    }
    recordOpened(searchId, articleId);
  }

  /** A result of the header box's list was opened (its search was not logged). */
  function openedFromInstant(q, articleId, leaves) {
    const known = loggedSearch({ q });
    if (known) recordOpened(known, articleId);
    else if (leaves) session.set(OPENED_KEY, { q, article: articleId }); // the next page logs it
    else logThenRecord(q, articleId); // this page stays (a new tab, a section of this page)
  }

  /** Log what the previous page left for this one (a result opened from the header box). */
  function logOpenedOnArrival() {
    const opened = session.get(OPENED_KEY);
    session.set(OPENED_KEY, null);
    if (opened && typeof opened.q === "string" && typeof opened.article === "string") {
      logThenRecord(opened.q.slice(0, MAX_QUERY), opened.article);
    }
  }

  /** Whether a click on a link opens it somewhere else, leaving this page in place. */
  function opensElsewhere(event) {
    return event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey;
  }

  // ------------------------------------------------------------------------------- DOM helpers

  /** Create an element; string children become text nodes, missing ones are skipped. */
  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value !== null && value !== undefined && value !== false) {
        node.setAttribute(name, String(value));
      }
    }
    node.append(
      ...children.filter((child) => child !== null && child !== undefined && child !== false),
    );
    return node;
  }

  /** Chinese first, English second; the stylesheet decides how the two are laid out. */
  function bi(zh, en) {
    return [zh, el("span", { class: "kb-en", lang: "en" }, [en])];
  }

  /** The API HTML-escapes snippets and wraps matches in <mark>: keep only text and marks. */
  function snippetNodes(html) {
    const template = document.createElement("template");
    template.innerHTML = html; // a template's content is inert: nothing in it runs or loads
    return [...template.content.childNodes].map((node) =>
      node.nodeName === "MARK"
        ? el("mark", {}, [node.textContent])
        : document.createTextNode(node.textContent),
    );
  }

  /** A link target on this site, or null for anything else. The API's article URLs start at
   * the site's root, which is /internal/ on the agents' site. */
  function sameOriginHref(url) {
    try {
      const target = new URL(String(url).replace(/^\/(?!\/)/, ""), siteRoot);
      return target.origin === location.origin ? target.href : null;
    } catch {
      return null;
    }
  }

  /** Material's configuration knows where the site starts (it may not be the host's root). */
  function findSiteRoot() {
    const config = document.getElementById("__config");
    const base = config ? JSON.parse(config.textContent).base : "/";
    return new URL(String(base).replace(/\/?$/, "/"), location.href);
  }

  const siteRoot = findSiteRoot();

  /** The results page's URL for these parameters (empty ones and page 1 left out). */
  function findUrl(params) {
    const url = new URL("find/", siteRoot);
    for (const [name, value] of Object.entries(params)) {
      if (value && !(name === "page" && Number(value) === 1)) url.searchParams.set(name, value);
    }
    return url.href;
  }

  function countText(total) {
    return bi(`找到 ${total} 条结果`, `${total} ${total === 1 ? "result" : "results"}`);
  }

  function hitLabels(hit) {
    const type = TYPES[hit.type];
    return el("span", { class: "kb-labels" }, [
      el("span", { class: "kb-label kb-label--type", title: type?.[1] }, [type?.[0] ?? hit.type]),
      el("span", { class: "kb-label" }, [hit.product]),
      el("span", { class: "kb-label" }, [LANGS[hit.lang] ?? hit.lang]),
    ]);
  }

  /** The did-you-mean link and the notice that only close matches were found. */
  function searchNotices(found) {
    return [
      found.fallback === "fuzzy" || found.fallback === "any-term"
        ? el("p", { class: "kb-notice kb-notice--fallback" }, [
            ...bi("没有完全匹配的结果，以下是相近的结果", "No exact match; showing close results"),
          ])
        : null,
      found.suggestion
        ? el("p", { class: "kb-notice kb-notice--suggestion" }, [
            "您是不是要找 · Did you mean: ",
            el("a", { href: findUrl({ q: found.suggestion }) }, [found.suggestion]),
          ])
        : null,
    ];
  }

  // ------------------------------------------------------------------------- header search box

  function setUpHeaderSearch(status) {
    const input = document.querySelector(".md-search input.md-search__input");
    const scrollwrap = document.querySelector(".md-search .md-search__scrollwrap");
    const toggle = document.getElementById("__search");
    if (!input || !scrollwrap || !toggle) return null;

    const message = el("span", { class: "kb-instant__message", "aria-live": "polite" });
    const seeAll = el("a", { class: "kb-instant__all" }, bi("查看全部结果", "See all results"));
    const body = el("div", { class: "kb-instant__body" });
    const panel = el("div", { class: "kb-instant" }, [
      el("div", { class: "kb-instant__meta" }, [message, seeAll]),
      body,
    ]);
    scrollwrap.prepend(panel);

    let timer = 0;
    let controller = null;
    let shownQuery = null;

    const query = () => input.value.trim().slice(0, MAX_QUERY);

    /** Take the box over now (no flash of offline results) and search once typing pauses. */
    function schedule() {
      scrollwrap.classList.add("kb-online");
      panel.setAttribute("aria-busy", "true");
      if (shownQuery === null && query()) message.replaceChildren(...bi("正在搜索…", "Searching…"));
      clearTimeout(timer);
      timer = setTimeout(run, DEBOUNCE_MS);
    }

    function show(text, children = [], link = null) {
      scrollwrap.classList.add("kb-online");
      panel.removeAttribute("aria-busy");
      message.replaceChildren(...text);
      seeAll.hidden = !link;
      if (link) seeAll.setAttribute("href", link);
      body.replaceChildren(...children.filter(Boolean));
    }

    async function run() {
      const q = query();
      controller?.abort();
      if (!q) {
        shownQuery = "";
        show(bi("输入问题现象、错误代码或关键词", "Type a symptom, an error code or a keyword"));
        return;
      }
      controller = new AbortController();
      const { signal } = controller;
      const suggestions = getJson("suggest", { q }, signal).then(
        (found) => found.suggestions ?? [],
        () => [], // type-ahead is optional: results alone are fine
      );
      let found;
      try {
        found = await getJson("search", { q, per_page: INSTANT_RESULTS, instant: 1 }, signal);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof ApiRejected) show(bi("无法搜索", "Search failed"), [errorLine(error)]);
        else status.markDown();
        return;
      }
      const typeAhead = await suggestions;
      if (signal.aborted) return; // a newer query is on its way
      shownQuery = q;
      show(countText(found.total), [
        ...searchNotices(found),
        suggestionRow(typeAhead, q),
        found.results?.length
          ? el("ol", { class: "kb-instant__list" }, found.results.map(instantHit))
          : el("p", { class: "kb-instant__empty" }, [
              ...bi("没有找到相关文章，换个说法试试", "Nothing found; try other words"),
            ]),
      ], findUrl({ q }));
    }

    /** Give the box back to Material and let it search what is already typed. */
    function handOver() {
      clearTimeout(timer);
      controller?.abort();
      scrollwrap.classList.remove("kb-online");
      panel.removeAttribute("aria-busy");
      body.replaceChildren();
      shownQuery = null;
      if (query()) input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }

    function openResultsPage() {
      if (query()) location.assign(findUrl({ q: query() }));
    }

    function onOpen(event) {
      const link = event.target.closest("a.kb-hit[data-article]");
      if (!link || shownQuery === null || (event.type === "auxclick" && event.button !== 1)) return;
      // A section of the page already open does not load a page: nothing would log it later.
      const samePage = new URL(link.href).pathname === location.pathname;
      openedFromInstant(shownQuery, link.dataset.article, !opensElsewhere(event) && !samePage);
    }

    function moveFocus(step) {
      const stops = [input, ...body.querySelectorAll("a[href]")];
      const index = Math.max(stops.indexOf(document.activeElement), 0);
      stops[(index + step + stops.length) % stops.length].focus();
    }

    function onKeydown(event) {
      if (!status.isUp() || !toggle.checked || event.isComposing) return;
      if (event.target !== input && !panel.contains(event.target)) return;
      const arrow = { ArrowDown: 1, ArrowUp: -1 }[event.key];
      if (arrow) moveFocus(arrow);
      else if (event.key === "Enter" && event.target === input) openResultsPage();
      else return; // Escape, Tab and typing: Material's handling is right
      event.preventDefault();
      event.stopImmediatePropagation();
    }

    // Capture phase on window runs before Material's own listeners: Material searches on keyup
    // and moves through its results on keydown.
    window.addEventListener(
      "keyup",
      (event) => {
        if (status.isUp() && event.target === input) event.stopImmediatePropagation();
      },
      true,
    );
    window.addEventListener("keydown", onKeydown, true);
    input.addEventListener("input", (event) => {
      if (status.isUp() && !event.isComposing) schedule();
    });
    input.addEventListener("compositionend", () => {
      if (status.isUp()) schedule();
    });
    input.addEventListener("focus", () => {
      if (status.isUp() && query() !== shownQuery) schedule();
    });
    body.addEventListener("click", onOpen);
    body.addEventListener("auxclick", onOpen);
    input.form?.addEventListener("submit", (event) => {
      if (!status.isUp()) return;
      event.preventDefault();
      openResultsPage();
    });
    // Down: Material searches what is typed. Back: the API searches it again, if the box is open.
    status.onChange((up) => {
      if (!up) handOver();
      else if (toggle.checked && query()) schedule();
    });

    return {
      /** Open Material's box on ``q`` so its offline search shows results. */
      searchOffline(q) {
        input.value = q;
        if (!toggle.checked) toggle.click();
        input.focus();
        input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
      },
      /** Close Material's box if it opened itself for ``?q=`` (it does on every page). */
      close() {
        if (!toggle.checked) return;
        const url = location.href;
        toggle.click();
        // The first time its box closes, Material drops ?q= from the address: put it back.
        history.replaceState(history.state, "", url);
        input.blur();
      },
    };
  }

  function instantHit(hit) {
    return el("li", {}, [
      el("a", { class: "kb-hit", href: sameOriginHref(hit.url), "data-article": hit.id }, [
        el("span", { class: "kb-hit__title", lang: hit.lang }, [hit.title]),
        hit.section ? el("span", { class: "kb-section", lang: hit.lang }, [hit.section]) : null,
        el("span", { class: "kb-snippet", lang: hit.lang }, snippetNodes(hit.snippet)),
        hitLabels(hit),
      ]),
    ]);
  }

  function suggestionRow(suggestions, q) {
    const useful = suggestions
      .filter((s) => s.text && s.text.toLowerCase() !== q.toLowerCase())
      .slice(0, 8);
    if (!useful.length) return null;
    return el("ul", { class: "kb-chips", "aria-label": "搜索建议 · Suggestions" }, [
      ...useful.map((s) =>
        el("li", {}, [
          el(
            "a",
            {
              class: s.url ? "kb-chip kb-chip--article" : "kb-chip",
              href: s.url ? sameOriginHref(s.url) : findUrl({ q: s.text }),
            },
            [s.text],
          ),
        ]),
      ),
    ]);
  }

  function errorLine(error) {
    return el("p", { class: "kb-notice kb-notice--error" }, [error.message]);
  }

  // ------------------------------------------------------------------------------ results page

  function readParams() {
    const search = new URLSearchParams(location.search);
    const params = { q: (search.get("q") ?? "").trim().slice(0, MAX_QUERY) };
    for (const name of [...Object.keys(FILTERS), "page"]) {
      params[name] = search.get(name)?.trim() || null;
    }
    return params;
  }

  function setUpResultsPage(root, status, header) {
    const baseTitle = document.title;
    const input = el("input", {
      type: "search",
      name: "q",
      maxlength: MAX_QUERY,
      autocomplete: "off",
      enterkeyhint: "search",
      "aria-label": "搜索 · Search",
      placeholder: "问题现象、错误代码或关键词 · Symptom, error code or keyword",
    });
    const form = el("form", { class: "kb-page-form", role: "search", action: findUrl({}) }, [
      input,
      el("button", { type: "submit", class: "md-button md-button--primary" }, bi("搜索", "Search")),
    ]);
    const region = el("div", { class: "kb-page-results", "aria-live": "polite" });
    root.replaceChildren(form, region);
    let controller = null;
    let shownSearchId = null; // the logged search whose results are shown

    function navigate(href) {
      history.pushState(null, "", href);
      render();
    }

    async function render() {
      const params = readParams();
      input.value = params.q;
      document.title = params.q ? `${params.q} · ${baseTitle}` : baseTitle;
      controller?.abort();
      if (!params.q) {
        region.replaceChildren(
          el("p", { class: "kb-notice" }, [
            ...bi("输入问题现象、错误代码或关键词开始搜索", "Type a symptom, an error code or a keyword"),
          ]),
        );
        return;
      }
      controller = new AbortController();
      const { signal } = controller;
      region.setAttribute("aria-busy", "true");
      shownSearchId = null;
      // Shown again in this tab (Back, reload, another page of it): one search, logged once.
      const known = loggedSearch(params);
      let found;
      try {
        found = await getJson("search", { ...params, instant: known ? 1 : null }, signal);
      } catch (error) {
        if (signal.aborted) return;
        region.removeAttribute("aria-busy");
        if (error instanceof ApiRejected) {
          const clear = hasFilters(params) ? [clearLink(params)] : [];
          region.replaceChildren(errorLine(error), ...clear);
        } else {
          region.replaceChildren(offlineNotice());
          status.markDown();
          header?.searchOffline(params.q);
        }
        return;
      }
      region.removeAttribute("aria-busy");
      if (!known && found.page === 1) rememberSearch(params, found.search_id);
      shownSearchId = known ?? (found.page === 1 ? found.search_id : null);
      region.replaceChildren(...resultsView(found, params).filter(Boolean));
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      navigate(findUrl({ q: input.value.trim() }));
    });
    // A result opened (in this tab or another): record the click on the search shown.
    function onOpen(event) {
      const link = event.target.closest(".kb-result__title a[data-article]");
      if (!link || (event.type === "auxclick" && event.button !== 1)) return;
      recordOpened(shownSearchId, link.dataset.article);
    }
    root.addEventListener("auxclick", onOpen);
    // Facets, pages and did-you-mean are plain links to this page: follow them without reloading.
    root.addEventListener("click", (event) => {
      onOpen(event);
      const link = event.target.closest("a[href]");
      if (!link || opensElsewhere(event)) return;
      if (new URL(link.href).pathname !== new URL(findUrl({})).pathname) return;
      event.preventDefault();
      navigate(link.href);
      if (link.closest(".kb-pager")) root.scrollIntoView({ block: "start" });
    });
    window.addEventListener("popstate", render);
    status.onChange((up) => {
      if (up) render();
    });
    header?.close();
    render();
  }

  function offlineNotice() {
    return el("p", { class: "kb-notice kb-notice--offline", role: "status" }, [
      ...bi(
        "在线搜索暂不可用，已切换到离线搜索",
        "Online search is unavailable; using offline search",
      ),
    ]);
  }

  function resultsView(found, params) {
    const results = found.results ?? [];
    return [
      el("div", { class: "kb-summary" }, [
        el("p", { class: "kb-total" }, countText(found.total)),
        activeFilters(params),
      ]),
      ...searchNotices(found),
      found.total ? facetsView(found.facets ?? {}, params) : null,
      results.length
        ? el("ol", { class: "kb-results" }, results.map(pageHit))
        : emptyState(found, params),
      pager(found, params),
    ];
  }

  function pageHit(hit) {
    return el("li", { class: "kb-result" }, [
      el("h2", { class: "kb-result__title", lang: hit.lang }, [
        el("a", { href: sameOriginHref(hit.url), "data-article": hit.id }, [hit.title]),
      ]),
      hit.section ? el("p", { class: "kb-section", lang: hit.lang }, [hit.section]) : null,
      el("p", { class: "kb-snippet", lang: hit.lang }, snippetNodes(hit.snippet)),
      hitLabels(hit),
    ]);
  }

  function facetValueLabel(name, value) {
    if (name === "type" && TYPES[value]) return bi(...TYPES[value]);
    if (name === "lang") return [LANGS[value] ?? value];
    return [value];
  }

  function facetsView(facets, params) {
    const groups = FACETS.map((name) => {
      const [zh, en] = FILTERS[name];
      const counts = Object.entries(facets[name] ?? {}).sort((a, b) => b[1] - a[1]);
      if (!counts.length) return null;
      return el("div", { class: "kb-facet", role: "group", "aria-label": `${zh} · ${en}` }, [
        el("span", { class: "kb-facet__name" }, bi(zh, en)),
        el("ul", { class: "kb-chips" }, [
          ...counts.map(([value, count]) => {
            const active = params[name] === value;
            return el("li", {}, [
              el(
                "a",
                {
                  class: active ? "kb-chip kb-chip--active" : "kb-chip",
                  href: findUrl({ ...params, [name]: active ? null : value, page: null }),
                  "aria-current": active ? "true" : null,
                  title: active ? "取消筛选 · Remove filter" : null,
                },
                [
                  ...facetValueLabel(name, value),
                  el("span", { class: "kb-count" }, [String(count)]),
                ],
              ),
            ]);
          }),
        ]),
      ]);
    });
    return el("div", { class: "kb-facets" }, groups.filter(Boolean));
  }

  function activeFilters(params) {
    const active = Object.keys(FILTERS).filter((name) => params[name]);
    if (!active.length) return null;
    return el("ul", { class: "kb-chips kb-filters", "aria-label": "筛选条件 · Filters" }, [
      ...active.map((name) =>
        el("li", {}, [
          el(
            "a",
            {
              class: "kb-chip kb-chip--active",
              href: findUrl({ ...params, [name]: null, page: null }),
              title: "取消筛选 · Remove filter",
            },
            [`${FILTERS[name][0]}: `, ...facetValueLabel(name, params[name]), " ×"],
          ),
        ]),
      ),
      el("li", {}, [clearLink(params)]),
    ]);
  }

  function hasFilters(params) {
    return Object.keys(FILTERS).some((name) => params[name]);
  }

  function clearLink(params) {
    return el("a", { class: "kb-clear", href: findUrl({ q: params.q }) }, [
      ...bi("清除筛选", "Clear filters"),
    ]);
  }

  function emptyState(found, params) {
    if (found.total) {
      // Past the last page: the pager below leads back.
      return el("p", { class: "kb-notice" }, [...bi("这一页没有结果", "No results on this page")]);
    }
    return el("div", { class: "kb-empty" }, [
      el("p", { class: "kb-empty__title" }, [
        ...bi(`没有找到与“${params.q}”相关的文章`, `No articles match “${params.q}”`),
      ]),
      el("ul", {}, [
        el("li", {}, bi("换个说法，或用更少、更常见的词", "Try other or fewer words")),
        el("li", {}, bi("检查有没有错别字", "Check the spelling")),
        el("li", {}, bi("直接搜索错误代码，例如 E1001", "Search for the error code, e.g. E1001")),
        hasFilters(params) ? el("li", {}, [clearLink(params)]) : null,
      ]),
      el("p", {}, [
        el("a", { href: siteRoot.href }, [
          ...bi("返回首页，按产品或分类浏览", "Browse by product or category on the home page"),
        ]),
      ]),
    ]);
  }

  function pager(found, params) {
    const pages = Math.min(Math.ceil(found.total / found.per_page), MAX_PAGE);
    const page = found.page;
    if (pages <= 1) return null;
    const link = (target, rel, label) =>
      target >= 1 && target <= pages
        ? el("a", { href: findUrl({ ...params, page: target }), rel, class: `kb-pager__${rel}` }, [
            ...label,
          ])
        : el("span", { class: `kb-pager__${rel}` });
    return el("nav", { class: "kb-pager", "aria-label": "分页 · Pages" }, [
      link(Math.min(page - 1, pages), "prev", bi("‹ 上一页", "Previous")),
      el("span", { class: "kb-pager__where" }, [
        ...bi(`第 ${page} / ${pages} 页`, `Page ${page} of ${pages}`),
      ]),
      link(page + 1, "next", bi("下一页 ›", "Next")),
    ]);
  }

  // ---------------------------------------------------------------------------------- start

  logOpenedOnArrival();
  const status = createApiStatus();
  const header = setUpHeaderSearch(status);
  const resultsRoot = document.getElementById("kb-search-page");
  if (resultsRoot) setUpResultsPage(resultsRoot, status, header);
})();
