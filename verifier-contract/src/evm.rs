//! An in-memory chain for tests, gas measurement and `veil demo`: revm (pure Rust, the BN254
//! precompiles on ark-bn254) over an empty in-memory database, Cancun rules, no fees.
use alloy_primitives::{Address, Bytes, Log, U256};
use revm::{
    context::{BlockEnv, CfgEnv, Context, Journal, TxEnv},
    context_interface::{
        cfg::gas::calculate_initial_tx_gas,
        result::{ExecutionResult, Output},
        ContextTr,
    },
    database::{CacheDB, EmptyDB},
    database_interface::DatabaseRef,
    primitives::{hardfork::SpecId, TxKind},
    state::AccountInfo,
    ExecuteCommitEvm, MainBuilder, MainContext, MainnetEvm,
};

/// The rules the chain runs (OSAKA would cap a transaction at 2^24 gas).
pub const SPEC: SpecId = SpecId::CANCUN;
/// The gas limit of every transaction the harness sends.
pub const TX_GAS_LIMIT: u64 = 30_000_000;

type Db = CacheDB<EmptyDB>;
type Ctx = Context<BlockEnv, TxEnv, CfgEnv, Db, Journal<Db>, ()>;

/// The EVM refused a transaction outright (not a revert: a bad nonce, a balance too low…).
#[derive(Debug, thiserror::Error)]
#[error("the EVM refused the transaction: {0}")]
pub struct EvmError(pub String);

/// What a transaction did.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Whether it succeeded (no revert, no halt).
    pub success: bool,
    /// Return data on success, revert data on a revert, empty on a halt.
    pub output: Bytes,
    /// The address a creation made.
    pub created: Option<Address>,
    /// Gas used in all, the intrinsic 21,000 and calldata included.
    pub gas_used: u64,
    /// Gas used by execution alone: `gas_used` less the intrinsic gas.
    pub execution_gas: u64,
    /// Logs emitted (empty unless it succeeded).
    pub logs: Vec<Log>,
    /// Why it halted (out of gas, invalid opcode…), if it did.
    pub halt: Option<String>,
}

/// An in-memory chain.
pub struct Chain {
    evm: MainnetEvm<Ctx>,
}

impl Chain {
    /// A chain with id `chain_id` whose clock reads `timestamp`.
    #[must_use]
    pub fn new(chain_id: u64, timestamp: u64) -> Self {
        let ctx = Context::mainnet()
            .with_db(CacheDB::new(EmptyDB::default()))
            .modify_cfg_chained(|cfg| {
                cfg.set_spec_and_mainnet_gas_params(SPEC);
                cfg.chain_id = chain_id;
            })
            .modify_block_chained(|block| {
                block.number = U256::from(1);
                block.timestamp = U256::from(timestamp);
                block.gas_limit = TX_GAS_LIMIT;
                block.basefee = 0;
            });
        Self { evm: ctx.build_mainnet() }
    }

    /// The chain id.
    #[must_use]
    pub fn chain_id(&self) -> u64 {
        self.evm.ctx.cfg.chain_id
    }

    /// The clock.
    #[must_use]
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.saturating_to()
    }

    /// Sets the clock (and moves to the next block).
    pub fn set_timestamp(&mut self, timestamp: u64) {
        self.evm.ctx.block.timestamp = U256::from(timestamp);
        self.evm.ctx.block.number += U256::from(1);
    }

    /// Credits `wei` to `address` out of thin air.
    pub fn fund(&mut self, address: Address, wei: U256) {
        let mut info = self.account(address);
        info.balance += wei;
        self.evm.ctx.db_mut().insert_account_info(address, info);
    }

    fn account(&self, address: Address) -> AccountInfo {
        self.evm.ctx.db_ref().basic_ref(address).ok().flatten().unwrap_or_default()
    }

    /// The balance of `address`.
    #[must_use]
    pub fn balance(&self, address: Address) -> U256 {
        self.account(address).balance
    }

    /// Deploys `bytecode ‖ constructor_args` from `from`, sending `value`.
    ///
    /// # Errors
    /// [`EvmError`] when the EVM refuses the transaction or the creation reverts (with its data).
    pub fn deploy(
        &mut self,
        from: Address,
        bytecode: &[u8],
        constructor_args: &[u8],
        value: U256,
    ) -> Result<Address, EvmError> {
        let mut code = bytecode.to_vec();
        code.extend_from_slice(constructor_args);
        let out = self.transact(from, TxKind::Create, code.into(), value)?;
        match (out.success, out.created) {
            (true, Some(address)) => Ok(address),
            _ => Err(EvmError(format!(
                "deployment failed ({}): 0x{}",
                out.halt.as_deref().unwrap_or("reverted"),
                hex::encode(&out.output)
            ))),
        }
    }

    /// Calls `to` with `data` and `value` from `from`, and commits the result.
    ///
    /// # Errors
    /// [`EvmError`] when the EVM refuses the transaction; reverts are [`Outcome`]s.
    pub fn call(&mut self, from: Address, to: Address, data: Vec<u8>, value: U256) -> Result<Outcome, EvmError> {
        self.transact(from, TxKind::Call(to), data.into(), value)
    }

    /// Runs a call without committing it and counts the opcodes it executes (every frame,
    /// precompiles excluded): a gas profile for template work.
    ///
    /// # Errors
    /// [`EvmError`] when the EVM refuses the transaction.
    pub fn opcode_counts(&self, from: Address, to: Address, data: Vec<u8>) -> Result<[u64; 256], EvmError> {
        use revm::{inspector::CountInspector, InspectEvm};
        let ctx = Context::mainnet()
            .with_db(self.evm.ctx.journaled_state.database.clone())
            .with_cfg(self.evm.ctx.cfg.clone())
            .with_block(self.evm.ctx.block.clone());
        let mut evm = ctx.build_mainnet_with_inspector(CountInspector::new());
        let tx = self.tx(from, TxKind::Call(to), data.into(), U256::ZERO)?;
        evm.inspect_tx(tx).map_err(|e| EvmError(e.to_string()))?;
        Ok(*evm.inspector.opcode_counts())
    }

    /// Runs a call without committing it and records every storage access it makes (SLOAD
    /// and SSTORE, every frame): the contract and the slot, in order. For ERC-7562's storage
    /// rules on validation.
    ///
    /// # Errors
    /// [`EvmError`] when the EVM refuses the transaction.
    pub fn storage_accesses(
        &self,
        from: Address,
        to: Address,
        data: Vec<u8>,
    ) -> Result<Vec<(Address, U256)>, EvmError> {
        use revm::InspectEvm;
        let ctx = Context::mainnet()
            .with_db(self.evm.ctx.journaled_state.database.clone())
            .with_cfg(self.evm.ctx.cfg.clone())
            .with_block(self.evm.ctx.block.clone());
        let mut evm = ctx.build_mainnet_with_inspector(StorageAccesses::default());
        let tx = self.tx(from, TxKind::Call(to), data.into(), U256::ZERO)?;
        evm.inspect_tx(tx).map_err(|e| EvmError(e.to_string()))?;
        Ok(std::mem::take(&mut evm.inspector.0))
    }

    /// A transaction from `from` at its current nonce, with the harness's gas limit and no fee.
    fn tx(&self, from: Address, kind: TxKind, data: Bytes, value: U256) -> Result<TxEnv, EvmError> {
        TxEnv::builder()
            .caller(from)
            .kind(kind)
            .data(data)
            .value(value)
            .gas_limit(TX_GAS_LIMIT)
            .gas_price(0)
            .nonce(self.account(from).nonce)
            .chain_id(Some(self.chain_id()))
            .build()
            .map_err(|e| EvmError(format!("{e:?}")))
    }

    fn transact(&mut self, from: Address, kind: TxKind, data: Bytes, value: U256) -> Result<Outcome, EvmError> {
        let is_create = kind.is_create();
        let intrinsic = calculate_initial_tx_gas(SPEC, &data, is_create, 0, 0, 0, None).initial_regular_gas;
        let tx = self.tx(from, kind, data, value)?;
        let result = self.evm.transact_commit(tx).map_err(|e| EvmError(e.to_string()))?;
        let outcome = match result {
            ExecutionResult::Success { gas, logs, output, .. } => {
                let (output, created) = match output {
                    Output::Call(bytes) => (bytes, None),
                    Output::Create(bytes, address) => (bytes, address),
                };
                Outcome {
                    success: true,
                    output,
                    created,
                    gas_used: gas.tx_gas_used(),
                    execution_gas: 0,
                    logs,
                    halt: None,
                }
            }
            ExecutionResult::Revert { gas, output, .. } => Outcome {
                success: false,
                output,
                created: None,
                gas_used: gas.tx_gas_used(),
                execution_gas: 0,
                logs: Vec::new(),
                halt: None,
            },
            ExecutionResult::Halt { reason, gas, .. } => Outcome {
                success: false,
                output: Bytes::new(),
                created: None,
                gas_used: gas.tx_gas_used(),
                execution_gas: 0,
                logs: Vec::new(),
                halt: Some(format!("{reason:?}")),
            },
        };
        Ok(Outcome { execution_gas: outcome.gas_used.saturating_sub(intrinsic), ..outcome })
    }
}

/// Records (contract, slot) of every SLOAD and SSTORE.
#[derive(Default)]
struct StorageAccesses(Vec<(Address, U256)>);

impl<CTX> revm::Inspector<CTX, revm::interpreter::interpreter::EthInterpreter> for StorageAccesses {
    fn step(
        &mut self,
        interp: &mut revm::interpreter::Interpreter<revm::interpreter::interpreter::EthInterpreter>,
        _context: &mut CTX,
    ) {
        use revm::interpreter::interpreter_types::{InputsTr, Jumps};
        const SLOAD: u8 = 0x54;
        const SSTORE: u8 = 0x55;
        let op = interp.bytecode.opcode();
        if op == SLOAD || op == SSTORE {
            if let Ok(slot) = interp.stack.peek(0) {
                self.0.push((interp.input.target_address(), slot));
            }
        }
    }
}
