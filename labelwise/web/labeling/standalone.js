// The labeling page on its own (/static/labeling/label.html?project=N), for the app shell's
// absence, embedding and the browser benchmark; the shell routes /app/projects/N/label here too.

import { early, project } from "./early.js";
import "./labeling-page.js";

const page = document.createElement("lw-labeling");
page.setAttribute("project-id", project);
page.early = early;
document.getElementById("labeling").append(page);
