// Typesets the docs' formulas with the vendored KaTeX (docs/assets/katex/), for docs/_hooks/typeset_math.py.
// stdin: [[tex, display], ...]; stdout: [{html} or {error}, ...], one per formula, in order.
const katex = require(process.argv[2]);
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const results = JSON.parse(input).map(([tex, display]) => {
    try {
      // throwOnError: an unknown command is an error, not red text; strict: so is input LaTeX itself
      // would not accept (a character KaTeX has no metrics for, such as ‖: write \lVert), which
      // KaTeX would otherwise draw in whatever font the browser finds.
      return { html: katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "error" }) };
    } catch (error) {
      return { error: error.message };
    }
  });
  process.stdout.write(JSON.stringify(results));
});
