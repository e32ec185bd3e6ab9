// Text from the API with `code spans` (table and variable names), rendered as <code>, never as HTML.
export function CodeText({ text }: { text: string }) {
  return <>{text.split('`').map((part, i) => (i % 2 === 1 ? <code key={i}>{part}</code> : part))}</>;
}
