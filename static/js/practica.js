// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("site-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = nav.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    document.querySelectorAll("[data-time-zone-detect]").forEach(offerOwnTimeZone);
    // A search box inside a form (the playbook's evidence picker) filters as one types;
    // Enter there must not send the whole form.
    document.querySelectorAll("input[data-search-in-form]").forEach(function (input) {
      input.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); }
      });
    });
  });

  // A page restored from the back/forward cache with read markers ("New") shows them as
  // they were before the visit it comes back from: load it again instead.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && document.querySelector("[data-fresh-on-return]")) {
      window.location.reload();
    }
  });

  // The time-zone field offers the zone the browser runs in, when the list knows it and
  // the field says something else: one click (or Enter) puts it in the field.
  function offerOwnTimeZone(button) {
    var input = document.getElementById(button.getAttribute("aria-controls"));
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (error) { zone = ""; }
    if (!input || !zone || input.value === zone) { return; }
    var listed = input.list && Array.from(input.list.options).some(function (option) {
      return option.value === zone;
    });
    if (!listed) { return; }
    button.querySelector("[data-time-zone-name]").textContent = zone;
    button.hidden = false;
    button.addEventListener("click", function () {
      input.value = zone;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      button.hidden = true;
      var status = button.parentElement.querySelector("[data-time-zone-status]");
      if (status) { status.textContent = status.getAttribute("data-done"); }
      input.focus({ preventScroll: true });
    });
  }

  // While an htmx request that a click or a submit started is running, its buttons say
  // so and are disabled: a double click sends one request, not two.
  function buttonsOf(elt) {
    if (elt.matches("button, input[type=submit]")) { return [elt]; }
    if (elt.matches("form")) { return Array.from(elt.querySelectorAll("button, input[type=submit]")); }
    return [];
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var config = event.detail.requestConfig || {};
    var trigger = config.triggeringEvent;
    if (!trigger || (trigger.type !== "submit" && trigger.type !== "click")) { return; }
    var elt = event.detail.elt;
    var buttons = buttonsOf(elt).filter(function (button) { return !button.disabled; });
    elt.setAttribute("aria-busy", "true");
    buttons.forEach(function (button) {
      button.disabled = true;
      button.classList.add("is-busy");
    });
    elt._practicaBusy = buttons;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (!elt._practicaBusy) { return; }
    elt.removeAttribute("aria-busy");
    elt._practicaBusy.forEach(function (button) {
      button.disabled = false;
      button.classList.remove("is-busy");
    });
    elt._practicaBusy = null;
  });

  // An htmx action leaves the reader where they were. Our hx-swap values never ask for
  // `show:` or `scroll:`, yet replacing a long region such as the conversation moves
  // what is on the screen: a helpful answer goes to the top of the conversation, the
  // browser clamps or re-anchors the scroll position while the old content is gone,
  // and the sticky sidebar travels with it. So before the swap the element with an id
  // nearest the control that was used (its comment, the sidebar card) is measured, and
  // after it the page is scrolled so that its replacement is back at the same height
  // on the screen; when it is gone, the page goes back to where it was.
  // (The same walk up to an id also names a control's place for the focus, below.)
  function anchorOf(elt, skip) {
    for (var node = elt; node && node !== document.body; node = node.parentElement) {
      if (node.id && node !== skip) { return node; }
    }
    return null;
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    // Not the swapped element itself: emptied (a report form closing), the browser
    // would keep it, and not what follows it, in place.
    var anchor = anchorOf(config && config.elt || event.detail.elt, event.detail.target);
    document.body._practicaPlace = {
      y: window.scrollY,
      id: anchor ? anchor.id : null,
      top: anchor ? anchor.getBoundingClientRect().top : 0
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    var place = document.body._practicaPlace;
    if (!place) { return; }
    document.body._practicaPlace = null;
    var anchor = place.id && document.getElementById(place.id);
    var shift = anchor ? anchor.getBoundingClientRect().top - place.top : window.scrollY - place.y;
    if (Math.abs(shift) >= 1) { window.scrollTo(window.scrollX, window.scrollY + shift); }
  });

  // When a swap replaces the control that had the focus, the focus would fall back to
  // the start of the page. It goes to that control's counterpart in the new content
  // (the same id, or the same action inside the same element with an id), else to the
  // swapped region: its first heading, else its first control. Content loaded next to
  // the control (a report form under its link) takes the focus when it marks where,
  // with `data-focus-after-swap`; closing it again returns the focus to that control.
  // Focus moves never scroll the page.
  var FOCUSABLE = "h1, h2, h3, h4, [data-focus-after-swap], a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea, summary";

  function actionOf(elt) {
    return elt.getAttribute("hx-post") || elt.getAttribute("hx-get") || elt.getAttribute("href") || "";
  }

  function formOf(elt) {
    var form = elt.form || elt.closest("form");
    return form ? form.action : null;
  }

  function sameAction(elt, before) {
    return before.form ? formOf(elt) === before.form : actionOf(elt) === before.action;
  }

  function describe(elt) {
    var anchor = anchorOf(elt.parentElement);
    var description = {
      elt: elt,
      id: elt.id || null,
      anchorId: anchor ? anchor.id : null,
      tag: elt.tagName,
      action: actionOf(elt),
      form: formOf(elt),
      toggle: elt.hasAttribute("aria-pressed")
    };
    description.index = anchor ? Array.from(anchor.querySelectorAll(elt.tagName))
      .filter(function (other) { return sameAction(other, description); }).indexOf(elt) : 0;
    return description;
  }

  // Recorded when the request starts too: disabling a focused button drops its focus.
  function rememberFocus() {
    var active = document.activeElement;
    if (active && active !== document.body) { document.body._practicaFocusBefore = describe(active); }
  }
  document.addEventListener("htmx:beforeRequest", rememberFocus, true);
  document.addEventListener("htmx:beforeSwap", rememberFocus);

  // A toggle keeps the focus even when the whole region around it is replaced; other
  // controls only when an element with an id inside the region still holds them.
  function counterpart(before, region) {
    if (before.id) {
      var same = document.getElementById(before.id);
      if (same && region.contains(same)) { return same; }
    }
    var anchor = before.anchorId && document.getElementById(before.anchorId);
    if (!anchor || !region.contains(anchor) || (anchor === region && !before.toggle)) { return null; }
    var match = Array.from(anchor.querySelectorAll(before.tag))
      .filter(function (candidate) { return sameAction(candidate, before); })[before.index];
    return match && !match.disabled ? match : null;
  }

  var openers = {};

  function focusQuietly(next) {
    if (/^(H[1-6]|SECTION|DIV|P)$/.test(next.tagName) && !next.hasAttribute("tabindex")) {
      next.setAttribute("tabindex", "-1");
    }
    next.focus({ preventScroll: true });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var before = document.body._practicaFocusBefore;
    if (!before) { return; }
    // The event fires on each settled element, out-of-band ones included; the focus
    // goes to the request's own target, now replaced by the new content.
    var region = event.target;
    var target = event.detail.target;
    if (!region || region === document.body || !document.contains(region)) { return; }
    if (target && region !== target && !(target.id && region.id === target.id)) { return; }
    document.body._practicaFocusBefore = null;
    var active = document.activeElement;
    var next;
    if (document.contains(before.elt)) {
      // The control is still there: only content that asks for it takes the focus.
      next = region.matches("[data-focus-after-swap]") ? region : region.querySelector("[data-focus-after-swap]");
      if (!next || active !== before.elt) { return; }
      if (region.id) { openers[region.id] = before.elt; }
    } else {
      if (active && active !== document.body && document.contains(active)) { return; }
      next = counterpart(before, region) ||
        (region.matches("[data-focus-after-swap]") ? region : region.querySelector("[data-focus-after-swap]"));
      if (!next && region.id && openers[region.id] && document.contains(openers[region.id])) {
        next = openers[region.id];
        delete openers[region.id];
      }
      if (!next) { next = region.matches(FOCUSABLE) ? region : region.querySelector(FOCUSABLE); }
    }
    if (next) { focusQuietly(next); }
  });

  // One reply form on a post page: "Reply" loads it under its thread (or, without
  // JavaScript, opens the page with it there). Opening another closes an untouched one;
  // one with text in it stays where it is, so nothing typed is lost.
  function closeReply(form) {
    var slot = form.closest("[data-reply-slot]");
    form.remove();
    var link = slot && slot.querySelector("[data-reply-link]");
    if (link) { link.hidden = false; }
    return link;
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var slot = event.detail.target;
    if (!slot || !slot.matches || !slot.matches("[data-reply-slot]")) { return; }
    var forms = slot.querySelectorAll("[data-reply-form]");
    if (!forms.length) { return; }
    for (var i = 1; i < forms.length; i++) { forms[i].remove(); }
    var form = forms[0];
    document.querySelectorAll("[data-reply-form]").forEach(function (other) {
      var text = other.querySelector("textarea");
      if (other !== form && !(text && text.value.trim())) { closeReply(other); }
    });
    var link = slot.querySelector("[data-reply-link]");
    if (link) { link.hidden = true; }
    var field = form.querySelector("textarea");
    if (field) {
      // The form is what the reader asked for: it may move into view, the page is
      // not put back (see above).
      document.body._practicaPlace = null;
      field.focus({ preventScroll: true });
      field.scrollIntoView({ block: "nearest" });
    }
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-reply-cancel]");
    if (!cancel) { return; }
    var form = cancel.closest("[data-reply-form]");
    if (!form) { return; }
    event.preventDefault();
    var link = closeReply(form);
    if (link) { link.focus({ preventScroll: true }); }
  });
})();
