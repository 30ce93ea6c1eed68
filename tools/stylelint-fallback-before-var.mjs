// keyfob/fallback-before-var: a declaration that uses var() must follow a
// declaration of the same property with a plain value, in the same rule.
// A browser without custom properties (Internet Explorer 11, Opera Mini,
// Android 4.4's WebView) drops the var() declaration and keeps the plain one;
// without it, it keeps nothing (`background: var(--brand)` beside
// `color: #fff` gave white on white). doiuse reports every var() whether or
// not it has a fallback, so .stylelintrc.json leaves custom properties to
// this rule.
import stylelint from "stylelint";

const {
  createPlugin,
  utils: { report, ruleMessages, validateOptions },
} = stylelint;

const ruleName = "keyfob/fallback-before-var";
const messages = ruleMessages(ruleName, {
  missing: (prop) =>
    `"${prop}" uses var() with no plain "${prop}" declared before it in the same rule`,
});
const usesVar = (value) => /\bvar\(/i.test(value);

const rule = (primary) => (root, result) => {
  if (!validateOptions(result, ruleName, { actual: primary })) return;
  root.walkDecls((decl) => {
    if (!usesVar(decl.value)) return;
    const prop = decl.prop.toLowerCase();
    for (let node = decl.prev(); node; node = node.prev()) {
      if (node.type === "decl" && node.prop.toLowerCase() === prop && !usesVar(node.value)) {
        return;
      }
    }
    report({ ruleName, result, node: decl, message: messages.missing(decl.prop) });
  });
};
rule.ruleName = ruleName;
rule.messages = messages;

export default createPlugin(ruleName, rule);
