// IIZ Valais: small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  // Forms marked data-confirm ask before submitting (irreversible steps).
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // A box in a table's header (data-select-all="<section>") selects or clears the boxes of
  // its section (data-section="<section>"); it shows "some" when only some are selected.
  // Hidden without JavaScript, where each box is ticked one by one.
  document.querySelectorAll("input[data-select-all]").forEach((all) => {
    const boxes = [...document.querySelectorAll(`input[data-section="${all.dataset.selectAll}"]`)];
    const update = () => {
      const checked = boxes.filter((box) => box.checked).length;
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    };
    all.addEventListener("change", () => boxes.forEach((box) => { box.checked = all.checked; }));
    boxes.forEach((box) => box.addEventListener("change", update));
    all.hidden = false;
    update();
  });
});

// --- Record forms (templates/cases/forms) -----------------------------------------------
document.addEventListener("DOMContentLoaded", () => {
  // Formsets: an "add" button (data-formset-add="<prefix>") copies the empty row kept in
  // <template id="<prefix>-empty">. Without JavaScript the button asks the server instead.
  document.querySelectorAll("[data-formset-add]").forEach((button) => {
    button.addEventListener("click", (event) => {
      const prefix = button.dataset.formsetAdd;
      const template = document.getElementById(`${prefix}-empty`);
      const rows = document.getElementById(`${prefix}-rows`);
      const total = document.getElementById(`id_${prefix}-TOTAL_FORMS`);
      if (!template || !rows || !total) return;
      event.preventDefault();
      const index = Number(total.value);
      rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__prefix__", String(index)));
      total.value = String(index + 1);
      showEmployerPickers(rows.lastElementChild);
      if (window.htmx) window.htmx.process(rows.lastElementChild);
      const first = rows.lastElementChild.querySelector("select, input:not([type=hidden]), textarea");
      if (first) first.focus();
    });
  });

  // A measure chosen from the catalogue fills in the row's empty title and institution
  // (the server does the same when the form is sent without JavaScript).
  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!(select instanceof HTMLSelectElement) || !select.name.endsWith("-catalogue_measure")) return;
    const option = select.selectedOptions[0];
    if (!option || !option.dataset.title) return;
    const base = select.name.slice(0, -"catalogue_measure".length);
    const title = select.form.elements.namedItem(`${base}title`);
    const institution = select.form.elements.namedItem(`${base}responsible_institution`);
    if (title && !title.value.trim()) title.value = option.dataset.title;
    if (institution && !institution.value) institution.value = option.dataset.institution;
  });

  // The employer picker of a measure row: its search (htmx) lists a few employer contacts;
  // the one chosen becomes the row's employer. Enter searches rather than saving the plan.
  showEmployerPickers(document);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target instanceof HTMLElement && event.target.matches("[data-employer-search]")) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("[data-employer-pick]") : null;
    if (!button) return;
    const row = button.closest(".measure-row");
    const select = row && row.querySelector('select[name$="-employer_contact"]');
    if (!select) return;
    const value = button.dataset.employerPick;
    if (![...select.options].some((option) => option.value === value)) {
      select.add(new Option(button.dataset.employerLabel || button.textContent.trim(), value));
    }
    select.value = value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    const picks = button.closest(".employer-picks");
    if (picks) picks.replaceChildren();
    select.focus();
  });

  // Parts of a form that belong to one choice (data-show-for="<field>:<value>") are shown
  // only once that choice is made; until then, and without JavaScript, all are visible.
  const groups = document.querySelectorAll("[data-show-for]");
  const names = new Set([...groups].map((group) => group.dataset.showFor.split(":")[0]));
  names.forEach((name) => {
    const radios = document.querySelectorAll(`input[type=radio][name="${name}"]`);
    const update = () => {
      const checked = [...radios].find((radio) => radio.checked);
      groups.forEach((group) => {
        const [field, value] = group.dataset.showFor.split(":");
        if (field === name) group.hidden = Boolean(checked) && checked.value !== value;
      });
    };
    radios.forEach((radio) => radio.addEventListener("change", update));
    update();
  });
});

// Employer pickers (templates/cases/forms/_measure_row.html) are hidden until this script runs.
function showEmployerPickers(root) {
  root.querySelectorAll("[data-employer-picker]").forEach((picker) => {
    if (!picker.closest("template")) picker.hidden = false;
  });
}

// --- Wide tables (.table-responsive): scroll inside their own box ------------------------
// When a table is wider than its box (a phone, a tablet), a hint above it says so (the text
// is in <body data-scroll-hint>, in the user's language) and the box takes the keyboard
// focus, so that it can be scrolled with the arrow keys.
(() => {
  const update = () => {
    const text = document.body.dataset.scrollHint;
    document.querySelectorAll(".table-responsive").forEach((box) => {
      let hint = box.previousElementSibling;
      if (!hint || !hint.classList.contains("scroll-hint")) {
        hint = document.createElement("p");
        hint.className = "scroll-hint small text-body-secondary mb-1";
        hint.textContent = text;
        box.before(hint);
      }
      const wide = box.scrollWidth > box.clientWidth + 1;
      hint.hidden = !wide;
      if (wide) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", text);
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  };
  document.addEventListener("DOMContentLoaded", update);
  window.addEventListener("resize", update);
  document.addEventListener("htmx:afterSettle", update);
})();
