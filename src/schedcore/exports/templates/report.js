"use strict";
(function () {
  // Fold a spelling as schedcore.exports._report_model.fold does: no accents, letters and digits.
  function fold(text) {
    return text.normalize("NFC").replace(/\u00d0/g, "Đ").replace(/\u00f0/g, "đ")
      .replace(/Đ/g, "D").replace(/đ/g, "d").replace(/ß/g, "ss")
      .normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, "");
  }
  var search = document.getElementById("search");
  var select = document.getElementById("cluster-filter");
  var result = document.getElementById("search-result");
  var units = Array.prototype.slice.call(document.querySelectorAll("tr.unit"));
  var clusters = document.querySelectorAll("article.cluster");
  var sessions = document.querySelectorAll("a.session");
  var coverageRows = document.querySelectorAll("#coverage-table tbody tr");

  function show(clusterIds, codes) {
    clusters.forEach(function (card) {
      card.hidden = clusterIds !== null && !clusterIds.has(card.dataset.cluster);
    });
    sessions.forEach(function (link) {
      link.classList.toggle("dim", clusterIds !== null && !clusterIds.has(link.dataset.cluster));
    });
    coverageRows.forEach(function (row) {
      row.hidden = codes !== null ? !codes.has(row.dataset.code)
        : clusterIds !== null && !clusterIds.has(row.dataset.cluster);
    });
  }

  function clearMarks() {
    units.forEach(function (row) { row.classList.remove("match"); });
  }

  function find(query) {
    clearMarks();
    var key = fold(query);
    if (!key) { result.textContent = ""; show(null, null); return; }
    var found = units.filter(function (row) {
      return row.dataset.keys.split(" ").some(function (k) { return k.indexOf(key) !== -1; });
    });
    if (!found.length) {
      result.textContent = "No unit matches “" + query + "”.";
      show(new Set(), new Set());
      return;
    }
    var ids = new Set(), codes = new Set();
    result.textContent = found.length === 1 ? "1 unit found: " : found.length + " units found: ";
    found.forEach(function (row, i) {
      row.classList.add("match");
      ids.add(row.dataset.cluster);
      codes.add(row.dataset.code);
      if (i < 12) {
        var link = document.createElement("a");
        link.href = "#cluster-" + row.dataset.cluster;
        link.textContent = row.querySelector("th").textContent + " (cluster " + row.dataset.cluster + ")";
        if (i) result.appendChild(document.createTextNode("; "));
        result.appendChild(link);
      }
    });
    if (found.length > 12) result.appendChild(document.createTextNode("; …"));
    show(ids, codes);
  }

  function pick(id) {
    clearMarks();
    result.textContent = id ? "Showing cluster " + id + " only." : "";
    show(id ? new Set([id]) : null, null);
  }

  function remember(state) {
    history.replaceState(null, "", state ? "#" + state : location.pathname + location.search);
  }

  search.addEventListener("input", function () {
    select.value = "";
    find(search.value);
    remember(search.value ? "q=" + encodeURIComponent(search.value) : "");
  });
  select.addEventListener("change", function () {
    search.value = "";
    pick(select.value);
    remember(select.value ? "cluster=" + select.value : "");
  });
  document.getElementById("clear").addEventListener("click", function () {
    search.value = ""; select.value = ""; pick(""); remember("");
  });

  // Sorting: each heading's button sorts by its column; again reverses.
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, column) {
      var button = th.querySelector("button");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        var numeric = button.dataset.type === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column].dataset.value, y = b.cells[column].dataset.value;
          var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        heads.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  });

  // The live dashboard reloads itself; the address keeps what the reader was looking at
  // (without a script, a meta refresh reloads it plainly).
  var every = parseInt(document.body.dataset.refresh || "0", 10);
  if (every > 0) setTimeout(function () { location.reload(); }, every * 1000);
  var state = new URLSearchParams(location.hash.slice(1));
  if (state.get("q")) { search.value = state.get("q"); find(search.value); }
  else if (state.get("cluster")) { select.value = state.get("cluster"); pick(select.value); }
})();
