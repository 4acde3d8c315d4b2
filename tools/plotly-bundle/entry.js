// The traces the dashboard draws: choropleth and scattergeo (maps), bar and scatter (rankings, trends).
var Plotly = require('plotly.js/lib/core');
Plotly.register([
    require('plotly.js/lib/choropleth'),
    require('plotly.js/lib/scattergeo'),
    require('plotly.js/lib/bar'),
]);
module.exports = Plotly;
