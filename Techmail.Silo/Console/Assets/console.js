// Techmail console: the only script the pages load (their policy allows no other). Every page works without it;
// it adds live updates (server-sent events), keyboard shortcuts and a size check before files are sent.
"use strict";
(() => {
    const status = document.getElementById("live-status");
    const say = text => { if (status) { status.textContent = text; } };

    // --- Live updates: the page names its feed; on a change the page is fetched again and its live regions swapped.
    const root = document.querySelector("[data-feed]");
    if (root && root.dataset.feed && window.EventSource) {
        const url = new URL(root.dataset.feedUrl, location.href);
        url.searchParams.set("after", root.dataset.feed);
        const reference = root.dataset.reference;
        const source = new EventSource(url);
        let pending = null;
        const refresh = () => { clearTimeout(pending); pending = setTimeout(update, 200); };
        source.addEventListener("incident", e => {
            const changed = JSON.parse(e.data);
            if (!reference || changed.reference === reference) { refresh(); }
        });
        source.addEventListener("restart", refresh);
        addEventListener("pagehide", () => source.close());

        async function update() {
            const response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
            if (!response.ok) { return; }
            const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
            const selected = keyOf(selection());
            for (const region of document.querySelectorAll("[data-live]")) {
                const next = fresh.querySelector(`[data-live="${region.dataset.live}"]`);
                if (next) { region.replaceWith(document.adoptNode(next)); }
            }
            if (selected) { select(items().findIndex(i => keyOf(i) === selected), false); }
            root.dataset.updated = String(Number(root.dataset.updated || 0) + 1);
            say(reference ? "This incident was updated." : "The incidents were updated.");
        }
    }

    // --- Keyboard shortcuts (the help panel lists them). Never while typing, never with a modifier key.
    const help = document.getElementById("shortcuts");
    document.querySelectorAll("[data-help]").forEach(b => b.addEventListener("click", () => help?.showModal()));
    // Queue rows on the queue page, thread entries on an incident page.
    const items = () => [...document.querySelectorAll("[data-row], [data-entry]")];
    const selection = () => document.querySelector(".selected[data-row], .selected[data-entry]");

    function select(index, focus = true) {
        const all = items();
        if (all.length === 0 || index < 0) { return; }
        const item = all[Math.min(index, all.length - 1)];
        all.forEach(i => i.classList.toggle("selected", i === item));
        if (focus) {
            (item.matches("[data-row]") ? item.querySelector("a") : item).focus();
            item.scrollIntoView({ block: "nearest" });
        }
    }

    function move(by) {
        const all = items();
        const current = all.indexOf(selection());
        select(current < 0 ? (by > 0 ? 0 : all.length - 1) : Math.max(0, current + by));
    }

    const typing = target => target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    addEventListener("keydown", e => {
        if (e.ctrlKey || e.metaKey || e.altKey) { return; }
        if (typing(e.target)) {
            if (e.key === "Escape") { e.target.blur(); }
            return;
        }
        const go = key => document.querySelector(`[data-key="${key}"]`);
        switch (e.key) {
            case "j": move(1); break;
            case "k": move(-1); break;
            case "o": case "Enter": {
                // Opens the selected queue row. Enter is left to what has the focus (a link, a button, the skip link's
                // target), so it never opens something else, such as a thread entry's first attachment.
                const link = selection()?.matches("[data-row]") ? selection().querySelector("a") : null;
                if (!link || (e.key === "Enter" && e.target !== document.body)) { return; }
                link.click();
                break;
            }
            case "r": case "u": {
                const target = go(e.key);
                if (!target) { return; }
                target.matches("a") ? target.click() : target.focus();
                break;
            }
            case "/": document.querySelector("input[type=search]")?.focus(); break;
            case "?": help?.open ? help.close() : help?.showModal(); break;
            default: return;
        }
        e.preventDefault();
    });
    // What names a row or entry across a live update: its reference link, or its id.
    function keyOf(item) { return item ? (item.matches("[data-row]") ? item.querySelector("a")?.textContent : item.id) : undefined; }
    document.addEventListener("focusin", e => {
        const item = e.target.closest?.("[data-row], [data-entry]");
        if (item) { items().forEach(i => i.classList.toggle("selected", i === item)); }
    });

    // --- Files: too many bytes are refused before sending, so the typed answer is never lost to an error page.
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(input => input.addEventListener("change", () => {
        const max = Number(input.dataset.maxBytes);
        const total = [...input.files].reduce((sum, f) => sum + f.size, 0);
        const mb = n => (n / 1048576).toFixed(1) + " MB";
        input.setCustomValidity(total > max ? `These files come to ${mb(total)}; a reply takes at most ${mb(max)}.` : "");
        input.reportValidity();
    }));
})();
