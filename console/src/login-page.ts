/**
 * The login page, rendered by the server (no script): a browser without a valid session is sent here
 * from any page, and a wrong token gets it again, with 401 and a message saying so.
 */
export function loginPage(options: { failed: boolean }): string {
  const message = options.failed
    ? '<p class="error" role="alert">That token is not valid. Paste the admin token again.</p>'
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>eventpipe console: sign in</title>
<link rel="icon" href="data:,">
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; display: grid; place-items: center; min-height: 100vh; background: #f4f5f7; color: #1d2330; }
  form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: min(24rem, 90vw); box-sizing: border-box; }
  h1 { font-size: 1.3rem; margin: 0 0 1rem; }
  label { display: block; margin-bottom: .3rem; }
  input { width: 100%; box-sizing: border-box; font: inherit; padding: .5rem; border: 1px solid #9aa3b2; border-radius: 4px; }
  button { margin-top: 1rem; font: inherit; padding: .5rem 1rem; border: 0; border-radius: 4px; background: #2450b2; color: #fff; cursor: pointer; }
  .error { color: #a51d1d; }
</style></head>
<body><main><form method="post" action="/login">
<h1>eventpipe console</h1>
${message}
<label for="token">Admin token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form></main></body></html>
`;
}
