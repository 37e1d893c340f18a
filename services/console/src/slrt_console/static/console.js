// SLRT console: progressive enhancement only. Every page works without this file; with it, the registration
// form is checked as it is typed (by the console, with the API's own rules and messages), the desa is picked
// by name, the receipt prints and a group of referrals is ticked at once.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function formBody(form) {
    return new URLSearchParams(new FormData(form)).toString();
  }

  function showErrors(form, errors, touched) {
    form.querySelectorAll("[data-errors-for]").forEach(function (box) {
      var name = box.getAttribute("data-errors-for");
      if (!touched[name]) { return; }
      var messages = errors[name] || [];
      box.textContent = messages.join("; ");
      var input = form.querySelector("#" + name) || form.querySelector("[name='" + name + "']");
      if (input) {
        if (messages.length) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
      }
      var field = box.closest(".field");
      if (field) { field.classList.toggle("invalid", messages.length > 0); }
    });
  }

  function liveCheck(form) {
    var url = form.getAttribute("data-check");
    var touched = {};
    var timer = null;
    function run() {
      fetch(url, {method: "POST", body: formBody(form), credentials: "same-origin",
                  headers: {"Content-Type": "application/x-www-form-urlencoded"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) { showErrors(form, data.errors || {}, touched); } })
        .catch(function () { /* offline: the server checks on submit */ });
    }
    function mark(event) {
      var name = event.target.name;
      if (!name || name === "csrf" || name === "idempotency") { return; }
      touched[name] = true;
      clearTimeout(timer);
      timer = setTimeout(run, event.type === "input" ? 400 : 0);
    }
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
  }

  function desaPicker(search) {
    var list = document.getElementById(search.getAttribute("aria-controls"));
    var code = document.getElementById("region_code");
    var timer = null;
    search.setAttribute("role", "combobox");
    search.setAttribute("aria-expanded", "false");
    search.setAttribute("aria-autocomplete", "list");
    function choose(item) {
      code.value = item.getAttribute("data-code");
      search.value = item.textContent;
      list.innerHTML = "";
      search.setAttribute("aria-expanded", "false");
      code.dispatchEvent(new Event("change", {bubbles: true}));
    }
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        fetch(search.getAttribute("data-desa") + "?q=" + encodeURIComponent(search.value), {credentials: "same-origin"})
          .then(function (r) { return r.json(); })
          .then(function (data) {
            list.innerHTML = "";
            (data.items || []).forEach(function (d, i) {
              var li = document.createElement("li");
              li.setAttribute("role", "option");
              li.id = "desa-option-" + i;
              li.setAttribute("data-code", d.code);
              li.textContent = d.name + " (" + d.above + ") " + d.code;
              li.addEventListener("click", function () { choose(li); });
              list.appendChild(li);
            });
            search.setAttribute("aria-expanded", list.children.length ? "true" : "false");
          });
      }, 250);
    });
    search.addEventListener("keydown", function (event) {
      var items = Array.prototype.slice.call(list.children);
      if (!items.length) { return; }
      var at = items.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (at >= 0) { items[at].removeAttribute("aria-selected"); }
        at = event.key === "ArrowDown" ? Math.min(at + 1, items.length - 1) : Math.max(at - 1, 0);
        items[at].setAttribute("aria-selected", "true");
        search.setAttribute("aria-activedescendant", items[at].id);
      } else if (event.key === "Enter" && at >= 0) {
        event.preventDefault();
        choose(items[at]);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form[data-check]");
    if (form) { liveCheck(form); }
    var search = document.querySelector("[data-desa]");
    if (search) { desaPicker(search); }
    document.querySelectorAll("[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
    document.querySelectorAll("[data-all]").forEach(function (all) {
      all.addEventListener("change", function () {
        document.querySelectorAll("[data-in='" + all.getAttribute("data-all") + "']").forEach(function (box) {
          box.checked = all.checked;
        });
      });
    });
  });
}());
