export function App() {
  return (
    <main>
      <h1>Lectern</h1>
      <p>Loading…</p>
    </main>
  );
}
