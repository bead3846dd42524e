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

  // When a swap removes the control that had the focus, the focus would fall back to
  // the start of the page. Move it to the swapped region instead: its first heading,
  // else its first control, without scrolling the page.
  var FOCUSABLE = "h1, h2, h3, h4, [data-focus-after-swap], a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select, textarea";

  // Recorded when the request starts too: disabling a focused button drops its focus.
  function rememberFocus() {
    var active = document.activeElement;
    if (active && active !== document.body) { document.body._practicaFocusBefore = active; }
  }
  document.addEventListener("htmx:beforeRequest", rememberFocus, true);
  document.addEventListener("htmx:beforeSwap", rememberFocus);

  document.addEventListener("htmx:afterSettle", function (event) {
    var before = document.body._practicaFocusBefore;
    var active = document.activeElement;
    if (!before || document.contains(before)) { return; }
    if (active && active !== document.body && document.contains(active)) { return; }
    // The event fires on each settled element, out-of-band ones included; the focus
    // goes to the request's own target, now replaced by the new content.
    var region = event.target;
    var target = event.detail.target;
    if (!region || region === document.body || !document.contains(region)) { return; }
    if (target && region !== target && !(target.id && region.id === target.id)) { return; }
    document.body._practicaFocusBefore = null;
    var next = region.matches(FOCUSABLE) ? region : region.querySelector(FOCUSABLE);
    if (!next) { return; }
    if (/^H[1-6]$/.test(next.tagName) && !next.hasAttribute("tabindex")) {
      next.setAttribute("tabindex", "-1");
    }
    next.focus({ preventScroll: true });
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
    if (field) { field.focus(); }
  });

  document.addEventListener("click", function (event) {
    var cancel = event.target.closest && event.target.closest("[data-reply-cancel]");
    if (!cancel) { return; }
    var form = cancel.closest("[data-reply-form]");
    if (!form) { return; }
    event.preventDefault();
    var link = closeReply(form);
    if (link) { link.focus(); }
  });
})();
