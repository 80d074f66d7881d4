//! A Rust SPA on spa-auth's Rust API: log in (Authorization Code + PKCE, by redirect or in a popup), show the
//! user's claims, call a protected API with the access token, log out; the app's tabs share one session. The page
//! loads this module and nothing else.

use spa_auth::{AuthClient, CheckSessionOptions, Error, LoginOptions, LogoutOptions, Options, PopupLoginOptions};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{spawn_local, JsFuture};

/// What `/config.json` says: the provider, this client and the API to call.
struct Config {
    issuer: String,
    client_id: String,
    redirect_uri: String,
    scope: Option<String>,
    api_url: String,
    /// `"dpop": true` in config.json: DPoP-bound tokens (RFC 9449).
    dpop: bool,
    /// `"verifySignature": true` in config.json: ID token signatures checked with the provider's JWKS.
    verify_signature: bool,
}

fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a page with a document")
}

fn element(id: &str) -> web_sys::HtmlElement {
    document().get_element_by_id(id).expect("the page's elements").unchecked_into()
}

fn show_error(error: &Error) {
    let area = element("error");
    area.set_text_content(Some(&[error.code(), ": ", error.message()].concat()));
    let _ = area.set_attribute("data-code", error.code());
    area.set_hidden(false);
}

async fn load_config() -> Result<Config, JsValue> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str("/config.json")).await?.unchecked_into();
    let json = JsFuture::from(response.json()?).await?;
    let text = |name: &str| js_sys::Reflect::get(&json, &name.into()).ok().and_then(|v| v.as_string());
    let flag = |name: &str| js_sys::Reflect::get(&json, &name.into()).ok().and_then(|v| v.as_bool()).unwrap_or(false);
    Ok(Config {
        issuer: text("issuer").ok_or("config.json: issuer")?,
        client_id: text("clientId").ok_or("config.json: clientId")?,
        redirect_uri: text("redirectUri").ok_or("config.json: redirectUri")?,
        scope: text("scope"),
        api_url: text("apiUrl").ok_or("config.json: apiUrl")?,
        dpop: flag("dpop"),
        verify_signature: flag("verifySignature"),
    })
}

fn render(auth: &AuthClient) {
    let logged_in = auth.is_authenticated();
    let status = element("status");
    let _ = status.set_attribute("data-state", if logged_in { "in" } else { "out" });
    status.set_text_content(Some(if logged_in { "Logged in" } else { "Logged out" }));
    element("claims").set_text_content(Some(&auth.user_claims_json().unwrap_or_default()));
    element("login").set_hidden(logged_in);
    element("login-popup").set_hidden(logged_in);
    element("call-api").set_hidden(!logged_in);
    element("logout").set_hidden(!logged_in);
}

/// Runs `action` when the button `id` is clicked; a failure goes to the error area.
fn on_click<F, Fut>(id: &str, action: F)
where
    F: Fn() -> Fut + 'static,
    Fut: std::future::Future<Output = Result<(), Error>> + 'static,
{
    let action = Rc::new(action);
    let handler = Closure::<dyn Fn()>::new(move || {
        let action = action.clone();
        spawn_local(async move {
            if let Err(error) = action().await {
                show_error(&error);
            }
        });
    });
    element(id).set_onclick(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
}

async fn call_api(auth: &AuthClient, url: &str) -> Result<(), Error> {
    let request = web_sys::Request::new_with_str(url).map_err(|_| Error::invalid_config("bad API URL"))?;
    let response = auth.fetch(request, Default::default()).await?;
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|t| t.as_string()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    let out = element("api-result");
    out.set_text_content(Some(&text));
    let _ = out.set_attribute("data-status", &response.status().to_string());
    Ok(())
}

async fn run() -> Result<(), Error> {
    let config = load_config().await.map_err(|_| Error::invalid_config("could not read /config.json"))?;
    let auth = AuthClient::new(Options {
        issuer: config.issuer,
        client_id: config.client_id,
        redirect_uri: config.redirect_uri.clone(),
        scope: config.scope,
        dpop: config.dpop,
        verify_signature: config.verify_signature,
        ..Options::default()
    })?;
    // A login the user cancelled (`access_denied`) or Back to a spent one (`invalid_state`) is shown, and the page
    // still offers to log in.
    if auth.is_callback(None) {
        if let Err(error) = auth.handle_redirect_callback(None).await {
            show_error(&error);
        }
    }
    // A new tab of the app takes the session another open tab hands over (up to 100 ms), with no login.
    if let Err(error) = auth.check_session(CheckSessionOptions::default()).await {
        show_error(&error);
    }
    auth.on_change({
        let auth = auth.clone();
        move |_| render(&auth)
    });
    render(&auth);

    let login = auth.clone();
    on_click("login", move || {
        let auth = login.clone();
        async move { auth.login_with_redirect(LoginOptions::default()).await }
    });
    let popup = auth.clone();
    on_click("login-popup", move || {
        let auth = popup.clone();
        async move { auth.login_with_popup(PopupLoginOptions::default()).await.map(|_| ()) }
    });
    let api = auth.clone();
    let api_url = Rc::new(config.api_url);
    on_click("call-api", move || {
        let (auth, url) = (api.clone(), api_url.clone());
        async move { call_api(&auth, &url).await }
    });
    let logout = auth.clone();
    let return_to = config.redirect_uri;
    on_click("logout", move || {
        let (auth, return_to) = (logout.clone(), return_to.clone());
        async move { auth.logout(LogoutOptions { return_to: Some(return_to), ..LogoutOptions::default() }).await }
    });
    Ok(())
}

/// Starts the app when the module loads.
#[wasm_bindgen(start)]
pub fn start() {
    spawn_local(async {
        let result = run().await;
        if let Err(error) = &result {
            show_error(error);
        }
        let _ = document().body().map(|b| b.set_attribute("data-ready", if result.is_ok() { "true" } else { "false" }));
    });
}
