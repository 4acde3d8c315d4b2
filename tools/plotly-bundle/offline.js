// Make the built bundle point nowhere outside the app (the dashboard runs on an intranet):
// plotly's remote defaults become local or empty, documentation links in attribute descriptions lose
// their scheme (text, never fetched). Only XML namespace identifiers stay (never fetched either).
// Fails if any other http(s) URL is left.
const fs = require('fs');
const file = process.argv[2];
let code = fs.readFileSync(file, 'utf8');
// Config defaults set by attribute, whatever plotly sets them to (the remote URLs are not named here).
const defaults = [
    ['topojsonURL', '"/assets/topojson/"'],  // the app's own stub
    ['plotlyServerURL', '""'],  // no "send to cloud"
];
for (const [attribute, value] of defaults) {
    const pattern = new RegExp(`(${attribute}:\\{valType:"string",(?:noBlank:!0,)?dflt:)"[^"]*"`);
    if (!pattern.test(code)) { throw new Error(`not found in the bundle: the ${attribute} default`); }
    code = code.replace(pattern, `$1${value}`);
}
const replacements = [
    ['"https://plotly.com/"', '""'],  // the modebar logo link (the dashboard hides the logo)
    ['"By default, the topojson files are fetched from cdn.plot.ly."',
     '"By default, the topojson files are served by the dashboard itself."'],
];
for (const [from, to] of replacements) {
    if (!code.includes(from)) { throw new Error(`not found in the bundle: ${from}`); }
    code = code.split(from).join(to);
}
const namespaces = /^https?:\/\/www\.w3\.org\/(2000\/svg|2000\/xmlns\/|1999\/xlink|1999\/xhtml|XML\/1998\/namespace)$/;
code = code.replace(/https?:\/\/[^\s"'`)\\]+/g, (url) => namespaces.test(url) ? url : url.replace(/^https?:\/\//, ''));
const left = (code.match(/https?:\/\/[^\s"'`)\\]+/g) || []).filter((url) => !namespaces.test(url));
if (left.length) { throw new Error(`remote URLs left: ${left.join(', ')}`); }
const hosts = code.match(/\b(cdn\.plot\.ly|cloud\.plotly\.com|api\.mapbox\.com|unpkg\.com|cdn\.jsdelivr\.net)\b/g);
if (hosts) { throw new Error(`remote hosts left: ${hosts.join(', ')}`); }
fs.writeFileSync(file, code);
