/* Printing the region profile (issue 17): one print dialog per press of the print button, and charts that fit
   the page. The button (#profile-print) is handled here by one listener for the whole document (no Dash
   callback): a press while a dialog is open, or right after it closed, is not a second print. Before the
   browser prints (the button or Ctrl+P), every plotly chart is redrawn at the width of an A4 page; after,
   it goes back to its width on the screen. */
(function () {
  var PRINT_WIDTH = 700;  /* CSS px: A4 portrait less the 12 mm margins of assets/print.css */
  var QUIET_MS = 800;
  var printing = false, quietUntil = 0, resized = [];

  function fit() {
    if (!window.Plotly || resized.length) { return; }
    document.querySelectorAll(".profile .js-plotly-plot").forEach(function (graph) {
      var layout = graph.layout || {};
      resized.push([graph, layout.width, layout.autosize]);
      window.Plotly.relayout(graph, {width: PRINT_WIDTH, autosize: false});
    });
  }

  function restore() {
    resized.forEach(function (entry) {
      window.Plotly.relayout(entry[0], {width: entry[1] || null, autosize: entry[2] !== false});
    });
    resized = [];
  }

  window.addEventListener("beforeprint", fit);
  window.addEventListener("afterprint", restore);
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest && event.target.closest("#profile-print");
    if (!button) { return; }
    event.preventDefault();
    if (printing || Date.now() < quietUntil) { return; }
    printing = true;
    try {
      fit();
      window.print();  /* modal: returns when the dialog closes */
    } finally {
      restore();
      printing = false;
      quietUntil = Date.now() + QUIET_MS;
    }
  });
})();
