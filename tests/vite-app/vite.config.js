// The relay's URL comes from the build's environment (the test passes it), as a team's build
// would take it from its own configuration.
import { defineConfig } from "vite";

export default defineConfig({
  define: { __RELAY_URL__: JSON.stringify(process.env.COBROWSE_RELAY_URL || "http://127.0.0.1:8080") },
  build: { target: "es2022" },
});
