// Files on post and comment forms: drop files onto the field, and see an upload's
// progress. Without this script the plain file input (multiple) does the same job.
(function () {
  "use strict";

  function format(text, values) {
    return text.replace(/\{(\w+)\}/g, function (match, key) {
      return key in values ? String(values[key]) : match;
    });
  }

  function chosenFiles(form) {
    var count = 0;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      count += input.files ? input.files.length : 0;
    });
    return count;
  }

  function setUpDropZone(field) {
    var zone = field.querySelector("[data-drop-zone]");
    var input = zone && zone.querySelector("input[type=file]");
    var status = field.querySelector("[data-upload-status]");
    if (!zone || !input || typeof DataTransfer === "undefined") { return; }
    var hint = zone.querySelector("[data-drop-hint]");
    if (hint) { hint.hidden = false; }
    zone.classList.add("attachments-field__drop--ready");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("attachments-field__drop--over");
      });
    });
    ["dragleave", "dragend", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () {
        zone.classList.remove("attachments-field__drop--over");
      });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      var dropped = event.dataTransfer && event.dataTransfer.files;
      if (!dropped || !dropped.length) { return; }
      // Dropped files join those chosen already.
      var all = new DataTransfer();
      Array.from(input.files || []).forEach(function (file) { all.items.add(file); });
      Array.from(dropped).forEach(function (file) { all.items.add(file); });
      input.files = all.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      if (status) { status.textContent = format(status.dataset.textDropped, { count: all.files.length }); }
    });
  }

  function progressParts(form) {
    var field = form.querySelector("[data-attachments]");
    if (!field) { return null; }
    return {
      box: field.querySelector("[data-upload-progress]"),
      bar: field.querySelector("[data-upload-progress] progress"),
      status: field.querySelector("[data-upload-status]"),
    };
  }

  function showProgress(parts, loaded, total) {
    if (!parts || !total) { return; }
    var percent = Math.round((loaded / total) * 100);
    parts.box.hidden = false;
    parts.bar.value = percent;
    // Said at every tenth, not at every event: a screen reader can keep up.
    var step = Math.floor(percent / 10);
    if (parts.status && step !== parts.lastStep) {
      parts.lastStep = step;
      parts.status.textContent = format(parts.status.dataset.textProgress, { percent: percent });
    }
  }

  // The post form: sent by XMLHttpRequest when it carries files, so that its upload
  // can be followed; the answer is then shown as the browser would have shown it.
  function setUpPostForm(form) {
    form.addEventListener("submit", function (event) {
      if (event.defaultPrevented || form.hasAttribute("hx-post") || !chosenFiles(form)) { return; }
      event.preventDefault();
      var parts = progressParts(form);
      var data = new FormData(form, event.submitter || undefined);
      var request = new XMLHttpRequest();
      // Read as attributes: the form's buttons are named "action", which hides form.action.
      request.open("POST", form.getAttribute("action") || window.location.href);
      request.setRequestHeader("X-Upload-Progress", "1");
      request.upload.addEventListener("progress", function (progress) {
        showProgress(parts, progress.loaded, progress.total);
      });
      request.addEventListener("load", function () {
        if (parts && parts.status) { parts.status.textContent = parts.status.dataset.textDone; }
        var next = request.getResponseHeader("X-Upload-Location");
        if (next) {
          window.location.assign(next);
          return;
        }
        if (request.status !== 200) {
          if (parts && parts.status) { parts.status.textContent = parts.status.dataset.textFailed; }
          form.removeAttribute("aria-busy");
          return;
        }
        // The same page came back with a problem to fix: put its form in place of this
        // one (what was typed, the messages, the files kept).
        var answer = new DOMParser().parseFromString(request.responseText, "text/html");
        var fresh = answer.querySelector("form[data-upload-form]");
        if (!fresh) {
          document.documentElement.innerHTML = answer.documentElement.innerHTML;
          return;
        }
        form.replaceWith(fresh);
        setUp(document);
        if (window.htmx) { window.htmx.process(fresh); }
        var problem = fresh.querySelector(".alert--error, .field__error");
        if (problem) {
          problem.setAttribute("tabindex", "-1");
          problem.focus();
        }
      });
      request.addEventListener("error", function () {
        if (parts && parts.status) { parts.status.textContent = parts.status.dataset.textFailed; }
        if (parts) { parts.box.hidden = true; }
      });
      form.setAttribute("aria-busy", "true");
      request.send(data);
    });
  }

  function setUp(root) {
    root.querySelectorAll("[data-attachments]").forEach(function (field) {
      if (field.dataset.ready) { return; }
      field.dataset.ready = "1";
      setUpDropZone(field);
    });
    root.querySelectorAll("form[data-upload-form]").forEach(function (form) {
      if (form.dataset.uploadReady) { return; }
      form.dataset.uploadReady = "1";
      setUpPostForm(form);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  // The comment form is sent by htmx, which reports its upload's progress.
  document.addEventListener("htmx:afterSettle", function () { setUp(document); });
  document.addEventListener("htmx:xhr:progress", function (event) {
    // Only the form's own request: not the live preview inside the post form.
    var form = event.target;
    if (form.matches && form.matches("form[data-upload-form]") && chosenFiles(form)) {
      showProgress(progressParts(form), event.detail.loaded, event.detail.total);
    }
  });
})();
