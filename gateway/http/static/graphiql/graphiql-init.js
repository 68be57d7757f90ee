// Bootstrap for the gateway's GraphiQL page. Kept out of the HTML so the page's
// Content-Security-Policy can forbid inline scripts; settings come from the JSON block.
(function () {
  "use strict";

  var root = document.getElementById("graphiql");
  var config = JSON.parse(document.getElementById("graphiql-config").textContent);

  if (!window.React || !window.ReactDOM || !window.GraphiQL) {
    root.dataset.state = "failed";
    root.textContent =
      "GraphiQL could not load its scripts (" + config.assets + " assets). " +
      (config.assets === "cdn"
        ? "Run `gateway fetch-graphiql` on the server to serve them locally."
        : "Check the server's GraphiQL asset files.");
    return;
  }

  function toResult(response) {
    return response.text().then(function (text) {
      try {
        return JSON.parse(text);
      } catch (err) {
        return {
          errors: [{ message: "HTTP " + response.status + ", not JSON: " + text.slice(0, 500) }],
        };
      }
    });
  }

  // Plain POST fetcher: GraphQL over HTTP with the headers typed in GraphiQL's editor.
  function fetcher(params, options) {
    var headers = Object.assign(
      { Accept: config.accept, "Content-Type": "application/json" },
      (options && options.headers) || {}
    );
    return fetch(config.endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    }).then(toResult);
  }

  // ?autorun runs the default query once the editor is up (handy for shared links).
  function autorun(triesLeft) {
    var button = document.querySelector(".graphiql-execute-button");
    if (button) {
      button.click();
    } else if (triesLeft > 0) {
      setTimeout(autorun, 100, triesLeft - 1);
    }
  }

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      shouldPersistHeaders: false,
    })
  );
  root.dataset.state = "ready";
  if (new URLSearchParams(window.location.search).has("autorun")) {
    autorun(50);
  }
})();
