//! Request-response streams on a host: clients and their pending
//! responses, servers and their active requests, and the loans both send
//! (see `iox2_core::reqres` for the protocol).

mod client;
mod loan;
mod server;

pub use client::{
    Client, ClientBuilder, ClientReceiveError, PendingResponse, RequestMut, RequestMutUninit, Response, ResponseResult,
};
pub use loan::{Loan, LoanOwner, LoanUninit};
pub use server::{ActiveRequest, RequestResult, ResponseMutUninit, Server, ServerBuilder};
