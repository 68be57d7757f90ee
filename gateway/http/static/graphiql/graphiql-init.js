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

  // Whether the operation GraphiQL runs is a subscription (by its keyword in the text).
  function isSubscription(params) {
    var query = params.query || "";
    if (params.operationName) {
      return new RegExp("\\bsubscription\\s+" + params.operationName + "\\b").test(query);
    }
    return /^\s*subscription\b/m.test(query.replace(/#[^\n]*/g, ""));
  }

  // A subscription runs over GraphQL over SSE (POST, Accept: text/event-stream, the same
  // headers): an async iterator of the `next` events' results, ended by `complete`.
  function subscribe(params, headers) {
    var controller = new AbortController();
    var queue = [];
    var waiting = null;
    function push(item) {
      if (waiting) {
        var resolve = waiting;
        waiting = null;
        resolve(item);
      } else {
        queue.push(item);
      }
    }
    function step(item) {
      return item.done ? { done: true, value: undefined } : { done: false, value: item.value };
    }
    function parse(block) {
      var event = "";
      var data = "";
      block.split("\n").forEach(function (line) {
        if (line.indexOf("event:") === 0) event = line.slice(6).trim();
        else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
      });
      if (event === "next" && data) push({ value: JSON.parse(data) });
      else if (event === "complete") push({ done: true });
    }
    fetch(config.endpoint, {
      method: "POST",
      headers: Object.assign({}, headers, { Accept: "text/event-stream" }),
      body: JSON.stringify(params),
      credentials: "same-origin",
      signal: controller.signal,
    })
      .then(function (response) {
        if (!response.ok || !response.body) {
          return toResult(response).then(function (result) {
            push({ value: result });
            push({ done: true });
          });
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var buffer = "";
        function read() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              push({ done: true });
              return undefined;
            }
            buffer += decoder.decode(chunk.value, { stream: true });
            var blocks = buffer.split("\n\n");
            buffer = blocks.pop();
            blocks.forEach(parse);
            return read();
          });
        }
        return read();
      })
      .catch(function (err) {
        if (err.name !== "AbortError") {
          push({ value: { errors: [{ message: String(err) }] } });
          push({ done: true });
        }
      });
    var iterator = {
      next: function () {
        if (queue.length) return Promise.resolve(step(queue.shift()));
        return new Promise(function (resolve) {
          waiting = function (item) {
            resolve(step(item));
          };
        });
      },
      return: function () {
        controller.abort();
        return Promise.resolve({ done: true, value: undefined });
      },
    };
    iterator[Symbol.asyncIterator] = function () {
      return iterator;
    };
    return iterator;
  }

  // POST fetcher: GraphQL over HTTP with the headers typed in GraphiQL's editor, and
  // subscriptions over SSE.
  function fetcher(params, options) {
    var headers = Object.assign(
      { Accept: config.accept, "Content-Type": "application/json" },
      (options && options.headers) || {}
    );
    if (isSubscription(params)) {
      return subscribe(params, headers);
    }
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
