// The upload form, sent by this script so the page can show the bytes going out: files are
// checked first against the limits the server enforces (read from the input's data attributes,
// not restated here), so a file the server would refuse never leaves the browser; at most
// the allowed number is taken, the rest said; photos may also be dropped on the page or pasted.
// Without this script the form is sent as it is and the server says the same things.
(function () {
  const form = document.getElementById("upload-form");
  if (!form || !window.FormData || !window.XMLHttpRequest) return;
  const inputs = [...form.querySelectorAll('input[type="file"][name="photos"]')];
  const limits = inputs[0].dataset;
  const maxBytes = Number(limits.maxBytes);
  const maxFiles = Number(limits.maxFiles);
  const types = inputs[0].accept.split(",").map((type) => type.trim()).filter(Boolean);
  const button = document.getElementById("upload-button");
  const notes = document.getElementById("upload-notes");
  const chosenLine = document.getElementById("upload-chosen");
  const progress = document.getElementById("upload-progress");
  const bar = document.getElementById("upload-bar");
  const state = document.getElementById("upload-state");
  const dropZone = document.getElementById("drop-zone");
  const LANG = document.documentElement.lang || undefined;
  let chosen = [];
  let leftOut = []; // why the files last chosen were not taken: still said when the form is sent without any
  let sending = false;

  document.getElementById("drop-hint").hidden = false;

  function megabytes(bytes) {
    return new Intl.NumberFormat(LANG, { maximumFractionDigits: 1 }).format(bytes / (1024 * 1024));
  }

  function say(sentences) {
    notes.replaceChildren(...sentences.map((sentence) => Object.assign(document.createElement("li"), { className: "error", textContent: sentence })));
    notes.hidden = !sentences.length;
  }

  // The files that may be sent, and a sentence for each one left out (and for the count).
  function sift(files) {
    const taken = [];
    const refused = [];
    files.forEach((file) => {
      // A file the browser cannot type (no extension it knows) is the server's to judge: it reads the bytes.
      if (file.type && !types.includes(file.type)) {
        refused.push(interpolate(gettext("%(file)s is not a JPEG, PNG or WebP photo; it was not sent."), { file: file.name }, true));
      } else if (file.size === 0) {
        refused.push(interpolate(gettext("%(file)s is empty; it was not sent."), { file: file.name }, true));
      } else if (file.size > maxBytes) {
        refused.push(interpolate(gettext("%(file)s is %(size)s MB, over the %(most)s MB limit; it was not sent. Choose a smaller photo."), {
          file: file.name, size: megabytes(file.size), most: megabytes(maxBytes),
        }, true));
      } else {
        taken.push(file);
      }
    });
    if (taken.length > maxFiles) {
      refused.push(interpolate(gettext("You chose %(count)s photos: the first %(most)s are taken, as at most %(most)s go at a time. Send the rest afterwards."), {
        count: taken.length, most: maxFiles,
      }, true));
      taken.length = maxFiles;
    }
    return { taken, refused };
  }

  function choose(files, source) {
    if (sending) return;
    const { taken, refused } = sift(files);
    chosen = taken;
    leftOut = refused;
    // The inputs other than the one just used are emptied: what is sent is what the page lists
    // (the one used too when none of its files is taken, so it shows no file as chosen).
    inputs.forEach((input) => { if (input !== source || !taken.length) input.value = ""; });
    say(refused);
    chosenLine.hidden = !taken.length;
    chosenLine.textContent = interpolate(ngettext("Ready to send %(count)s photo: %(names)s.", "Ready to send %(count)s photos: %(names)s.", taken.length), {
      // Translators' separator: Chinese lists names with "、", not ", ".
      count: taken.length, names: taken.map((file) => file.name).join(pgettext("between the names of a list", ", ")),
    }, true);
  }

  inputs.forEach((input) => input.addEventListener("change", () => choose([...input.files], input)));

  // Drop anywhere on the page; paste a copied photo anywhere but into a text field.
  const carriesFiles = (event) => event.dataTransfer && [...event.dataTransfer.types].includes("Files");
  document.addEventListener("dragover", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dropZone.classList.add("dropping");
  });
  document.addEventListener("dragleave", (event) => {
    if (!event.relatedTarget) dropZone.classList.remove("dropping");
  });
  document.addEventListener("drop", (event) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    dropZone.classList.remove("dropping");
    choose([...event.dataTransfer.files], null);
  });
  document.addEventListener("paste", (event) => {
    const files = event.clipboardData ? [...event.clipboardData.files] : [];
    if (!files.length) return;
    event.preventDefault();
    choose(files, null);
  });

  function showProgress(fraction) {
    const percent = Math.round(fraction * 100);
    bar.value = percent;
    bar.textContent = percent + "%";
    state.textContent = interpolate(gettext("Sending: %(percent)s"), { percent: percent + "%" }, true);
  }

  function showScoring() {
    bar.removeAttribute("value"); // no end known: the bar moves without a figure
    bar.textContent = "";
    state.textContent = gettext("Sent. Scoring…");
  }

  function forget() {
    chosen = [];
    leftOut = [];
    inputs.forEach((input) => { input.value = ""; });
    chosenLine.hidden = true;
  }

  function stop(sentences) {
    sending = false;
    button.disabled = false;
    form.removeAttribute("aria-busy");
    progress.hidden = true;
    say(sentences);
  }

  function answered(request) {
    let body = null;
    if ((request.getResponseHeader("Content-Type") || "").startsWith("application/json")) {
      try { body = JSON.parse(request.responseText); } catch (e) { body = null; }
    }
    if (body && body.location) {
      window.location.assign(body.location);
    } else if (body && (body.errors || body.detail)) {
      // Refused, nothing stored: the files are no longer ready to send, unless only the time was
      // wrong (429: the same files may go later).
      if (request.status !== 429) forget();
      stop(body.errors || [body.detail]);
    } else {
      window.location.assign(request.responseURL || window.location.href); // e.g. signed out meanwhile: the sign-in page
    }
  }

  // Back to this page from the one it opened (the browser's page cache): ready to send again.
  window.addEventListener("pageshow", (event) => { if (event.persisted && sending) stop([]); });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (sending) return;
    if (!chosen.length) {
      // Photos picked before this script ran (a page still loading) fired no change it heard: take them now.
      const picked = inputs.flatMap((input) => [...input.files]);
      if (picked.length) choose(picked, null);
    }
    if (!chosen.length) {
      say([...leftOut, gettext("Choose at least one photo.")]);
      return;
    }
    const data = new FormData(form);
    data.delete("photos");
    chosen.forEach((file) => data.append("photos", file, file.name));
    const request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("Accept", "application/json");
    request.upload.addEventListener("progress", (progressEvent) => {
      if (progressEvent.lengthComputable) showProgress(progressEvent.loaded / progressEvent.total);
    });
    request.upload.addEventListener("load", showScoring);
    request.addEventListener("load", () => answered(request));
    const cutOff = () => stop([gettext("The upload was cut off. Check the connection and send it again.")]);
    request.addEventListener("error", cutOff);
    request.addEventListener("abort", cutOff);
    sending = true;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    say([]);
    progress.hidden = false;
    showProgress(0);
    request.send(data);
  });
})();
