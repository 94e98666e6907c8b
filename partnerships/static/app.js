// Ask before destructive actions: any form with data-confirm shows its text first.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Region inputs suggest matches with their full path as the user types.
document.querySelectorAll("input[data-region-lookup]").forEach((input) => {
  const list = document.createElement("datalist");
  list.id = input.id + "-suggestions";
  input.setAttribute("list", list.id);
  input.after(list);
  let timer;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const response = await fetch(input.dataset.regionLookup + "?q=" + encodeURIComponent(input.value));
      if (!response.ok) return;
      const { results } = await response.json();
      list.replaceChildren(...results.map((r) => {
        const option = document.createElement("option");
        option.value = r.code;
        option.textContent = r.path;
        return option;
      }));
    }, 200);
  });
});

// A table wider than the screen scrolls in its box; keyboard users reach it with Tab (WCAG 2.1.1).
const markScrollable = () => {
  document.querySelectorAll(".table-responsive").forEach((box) => {
    if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
    else box.removeAttribute("tabindex");
  });
};
markScrollable();
window.addEventListener("resize", markScrollable);

// A long list of checkboxes gets a filter box: typing hides the names that do not match
// (ticked ones stay in view, so a choice never disappears).
document.querySelectorAll("input[data-filter-list]").forEach((input) => {
  const list = document.getElementById(input.dataset.filterList);
  if (!list) return;
  input.addEventListener("input", () => {
    const words = input.value.trim().toLowerCase();
    list.querySelectorAll("[data-filter-item]").forEach((item) => {
      const ticked = item.querySelector("input:checked") !== null;
      item.hidden = Boolean(words) && !ticked && !item.textContent.toLowerCase().includes(words);
    });
  });
});

// A background job's page follows the job: the progress bar and its words from a small JSON
// endpoint, then the page again (with the download) once the job is finished.
document.querySelectorAll("[data-job-status]").forEach((box) => {
  const bar = box.querySelector("progress");
  const text = box.querySelector("[role=status]");
  const poll = async () => {
    let job;
    try {
      const response = await fetch(box.dataset.jobStatus, { headers: { Accept: "application/json" } });
      if (!response.ok) return;
      job = await response.json();
    } catch {
      setTimeout(poll, 3000); // the server restarting: ask again a little later
      return;
    }
    if (job.finished) {
      window.location.reload();
      return;
    }
    if (job.total) {
      bar.max = job.total;
      bar.value = job.done;
    }
    text.textContent = job.text;
    setTimeout(poll, 1000);
  };
  setTimeout(poll, 1000);
});

// A field shown once (a calendar feed's address): its Copy button puts it on the clipboard.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  if (!field) return;
  const label = button.textContent;
  button.addEventListener("click", async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
    } catch {
      document.execCommand("copy"); // older browsers, or a page not served over HTTPS
    }
    button.textContent = button.dataset.copied;
    setTimeout(() => { button.textContent = label; }, 2000);
  });
});
