/* kb-portal, `kb serve --watch` only: reload the page after each rebuild, show the errors that
 * stopped one. Never part of a built site: the preview server adds it to the pages it serves. */
(() => {
  "use strict";

  const POLL_MS = 1000;
  let seen = null;

  function showProblems(problems) {
    let banner = document.getElementById("kb-preview-problems");
    if (!problems.length) {
      banner?.remove();
      return;
    }
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "kb-preview-problems";
      banner.setAttribute("role", "alert");
      banner.style.cssText =
        "position:fixed;left:0;right:0;bottom:0;z-index:1000;max-height:40vh;overflow:auto;" +
        "margin:0;padding:.75rem 1rem;background:#b00020;color:#fff;font:14px/1.5 monospace";
      document.body.append(banner);
    }
    const title = document.createElement("strong");
    title.textContent = `kb check: ${problems.length} 个错误 · error(s), the page shows the last good build`;
    const list = document.createElement("ul");
    for (const problem of problems) {
      const item = document.createElement("li");
      item.textContent = problem;
      list.append(item);
    }
    banner.replaceChildren(title, list);
  }

  async function poll() {
    try {
      const response = await fetch("/__kb/preview", { cache: "no-store" });
      const state = await response.json();
      if (seen !== null && state.version !== seen && !state.problems.length) {
        location.reload();
        return;
      }
      seen = state.version;
      showProblems(state.problems);
    } catch {
      // The preview server is restarting: try again.
    }
    setTimeout(poll, POLL_MS);
  }

  poll();
})();
