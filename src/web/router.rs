//! Route registration that also keeps the list of what was registered, so
//! that the access table (`crate::access`) can be checked against the app's
//! own routes: at start (a route without an access decision stops the
//! server from starting) and by the test that sweeps every route for every
//! role.

use actix_web::{
    Error, FromRequest, Handler, Responder, Scope,
    body::MessageBody,
    dev::{ServiceFactory, ServiceRequest, ServiceResponse},
    http::Method,
    web,
};

/// A registered route: its method and its full path pattern.
pub type RouteId = (Method, String);

pub struct Routes<'a> {
    cfg: &'a mut web::ServiceConfig,
    prefix: String,
    seen: &'a mut Vec<RouteId>,
}

impl<'a> Routes<'a> {
    pub fn new(cfg: &'a mut web::ServiceConfig, seen: &'a mut Vec<RouteId>) -> Self {
        Routes {
            cfg,
            prefix: String::new(),
            seen,
        }
    }

    fn add<F, Args>(&mut self, method: Method, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.cfg.route(path, web::route().method(method.clone()).to(handler));
        self.seen.push((method, format!("{}{path}", self.prefix)));
        self
    }

    pub fn get<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, handler)
    }

    pub fn post<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, handler)
    }

    pub fn put<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::PUT, path, handler)
    }

    pub fn patch<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::PATCH, path, handler)
    }

    pub fn delete<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::DELETE, path, handler)
    }

    /// Routes under `prefix`, in a scope that `wrap` may give middleware.
    pub fn scope<T, B>(
        &mut self,
        prefix: &str,
        wrap: impl FnOnce(Scope) -> Scope<T>,
        build: impl FnOnce(&mut Routes),
    ) -> &mut Self
    where
        T: ServiceFactory<ServiceRequest, Config = (), Response = ServiceResponse<B>, Error = Error, InitError = ()>
            + 'static,
        B: MessageBody + 'static,
    {
        let full = format!("{}{prefix}", self.prefix);
        let seen = &mut *self.seen;
        let scope = wrap(web::scope(prefix)).configure(|cfg| {
            build(&mut Routes {
                cfg,
                prefix: full,
                seen,
            })
        });
        self.cfg.service(scope);
        self
    }
}
