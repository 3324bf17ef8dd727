// The labeling page on its own (/static/labeling/label.html?project=N), for the app shell's
// absence, embedding and the browser benchmark; the shell routes /app/projects/N/label here too.

import "./labeling-page.js";

const project = new URLSearchParams(window.location.search).get("project");
const page = document.createElement("lw-labeling");
page.setAttribute("project-id", project || "");
document.getElementById("labeling").append(page);
